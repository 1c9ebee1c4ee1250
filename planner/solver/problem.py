"""What a solve is asked: unknowns with their domains, and targets.

Targets are written ``LEFT=RIGHT``:

- ``output=388,388`` / ``conv5=28`` - a layer's spatial size (``output`` is the last
  layer), one number for every spatial axis or one per axis;
- ``up6=conv4`` / ``output=input`` - equal to another layer's (or the input's) size;
- ``LEFT.H=...`` restricts a target to one axis (``H``, ``W``, ``D`` or ``L``).

Unknowns come from the network (``?p`` fields) or are added by name:
``LAYER.FIELD[=LO..HI]`` (``conv2d_5.padding=0..2``, ``input.H=100..600``,
``pool1.ceil_mode``, ``conv3.padding`` where the layer has a padding mode: valid/same)
or ``LAYER.FIELD=A,B,C`` for the listed values only (``conv1.kernel_size=3,5,7``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from planner.errors import SolveError
from planner.shapes import axis_names
from planner.spec.layers import LayerBase
from planner.spec.network import Network
from planner.spec.values import Unknown

# Domains of unknowns the user did not bound, per field. Documented in docs/solver.md.
DEFAULT_BOUNDS: dict[str, tuple[int, int]] = {
    "padding": (0, 8),
    "cropping": (0, 512),
    "zero_padding": (0, 512),
    "output_padding": (0, 7),
    "strides": (1, 8),
    "kernel_size": (1, 11),
    "pool_size": (1, 8),
    "dilation": (1, 8),
    "scale": (1, 8),
    "output_size": (1, 4096),
    "input": (1, 4096),
}
# The choice "leave this field to the framework" (a pooling stride of None: the
# pool size) among the values of an unknown.
DEFAULT = "default"
# The value a field has when nothing is asked of it; changes are costed from here.
NATURAL: dict[str, int] = {
    "padding": 0,
    "cropping": 0,
    "zero_padding": 0,
    "output_padding": 0,
    "strides": 1,
    "kernel_size": 1,
    "pool_size": 1,
    "dilation": 1,
    "scale": 1,
}
MODE_CHOICES: dict[str, tuple[str, ...]] = {
    "keras": ("valid", "same"),
    "jax": ("valid", "same", "same_lower"),
    "onnx": ("valid", "same_upper", "same_lower"),
    "torch": ("valid", "same"),
}

_TARGET = re.compile(
    r"^\s*(?P<left>[A-Za-z_][\w]*)(?:\.(?P<axis>[A-Za-z]\w*))?"
    r"\s*(?P<op>==|>=|<=|=|>|<|%|\s+in\s+)\s*(?P<right>.+?)\s*$"
)
_UNKNOWN = re.compile(
    r"^\s*([A-Za-z_][\w]*)(?:\.([A-Za-z_]+))?(?:\.([A-Za-z]\w*))?"
    r"\s*(?:=\s*(?:(-?[\d*e]+)\s*\.\.\s*(-?[\d*e]+)|([^=]*,[^=]*)))?\s*$"
)


_IDENT = re.compile(r"^[A-Za-z_]\w*$", re.ASCII)


_OPERATOR = re.compile(r"==|>=|<=|=|>|<|%|\s+in\s+")


def _alias_names(text: str, net: Network) -> tuple[str, dict[str, str]]:
    """Layer names the grammar cannot read (PyTorch's ``features.0`` and ``3``,
    non-ASCII names) replaced by placeholders, and the way back. Only the left side
    (before the operator) holds such names; on the right, a number stays a number
    (``3=14`` is a size even with a layer ``14``) and a whole other name is one."""
    back: dict[str, str] = {}
    odd = sorted((n for n in net.layer_names if n and not _IDENT.match(n)), key=len, reverse=True)
    op = _OPERATOR.search(text)
    head, tail = (text[: op.start()], text[op.start() :]) if op else (text, "")
    for i, name in enumerate(odd):
        alias = f"__layer{i}__"
        new = re.sub(rf"(?<![\w.]){re.escape(name)}(?!\w)", alias, head)
        if new != head:
            back[alias] = name
            head = new
        if op and tail[len(op.group()) :].strip() == name and not name.isdigit():
            back[alias] = name
            tail = f"{op.group()}{alias}"
    return head + tail, back


# Comparisons a target can make, and what each accepts on its right.
OPS = ("==", ">=", "<=", ">", "<", "in", "..", "%")


@dataclass(frozen=True)
class Target:
    """A comparison over a measured quantity: ``left`` (a layer, ``output``) ``op`` ``right``
    on ``axes`` (all if None).

    ``op`` and ``right``:

    - ``==``: ``right`` is a tuple of sizes (one per axis in ``axes``, or one for all)
      or the name of a layer (``input`` for the network input);
    - ``>=``, ``<=``, ``>``, ``<``: ``right`` as for ``==`` (sizes or a layer);
    - ``in``: ``right`` is a tuple of allowed sizes (every axis must be one of them);
    - ``..``: ``right`` is ``(lo, hi)``: the size lies in ``lo..hi`` (both included);
    - ``%``: ``right`` is ``(m,)``: the size is a multiple of ``m``.

    ``quantity`` is what is measured on ``left``: ``"size"`` (the spatial size) is the
    only one today. Extension point: a new quantity (``memory``, ``macs``) registers a
    name in ``QUANTITIES`` with a function measuring it on an inference result;
    :func:`parse_target` then reads ``memory<=8GiB`` with the same operators, and
    :meth:`holds` compares whatever the quantity measured, so parsing, the solver's
    checks and the messages need no rewrite.

    >>> Target("output", (64,), op=">=").holds(70, 64)
    True
    >>> Target("output", (32,), op="%").holds(96, 32)
    True
    """

    left: str
    right: tuple[int, ...] | str
    axes: tuple[int, ...] | None = None
    text: str = ""
    op: str = "=="
    quantity: str = "size"

    def __str__(self) -> str:
        if self.text:
            return self.text
        right = self.right if isinstance(self.right, str) else ",".join(map(str, self.right))
        if self.op == "in":
            return f"{self.left} in {{{right}}}"
        if self.op == "..":
            return f"{self.left}={right.replace(',', '..')}"
        if self.op == "%":
            return f"{self.left} % {right} == 0"
        return f"{self.left}{'=' if self.op == '==' else self.op}{right}"

    def holds(self, have: Any, want: Any) -> Any:
        """Whether size ``have`` meets this target against ``want`` (one axis).

        ``want`` is the right side's size on that axis (for ``in``: ignored; for
        ``%``: the modulus). Works on ints, and on affine sizes (``Lin``), where it
        returns a condition on ``k`` instead of a bool.
        """
        if self.op == "==":
            return have == want
        if self.op == ">=":
            return have >= want
        if self.op == "<=":
            return have <= want
        if self.op == ">":
            return have > want
        if self.op == "<":
            return have < want
        if self.op == "in":
            assert isinstance(self.right, tuple)
            return have in self.right
        if self.op == "..":
            assert isinstance(self.right, tuple)
            return self.right[0] <= have <= self.right[1]
        return have % want == 0

    def conditions(self, have: Any, want: Any) -> list[Any]:
        """:meth:`holds` as a conjunction (a range is two comparisons), for affine sizes;
        ``in`` is a disjunction and has no such form (callers split it by value)."""
        if self.op == "..":
            assert isinstance(self.right, tuple)
            return [have >= self.right[0], have <= self.right[1]]
        if self.op == "in":
            raise ValueError("a set target is a disjunction; split it by value")
        return [self.holds(have, want)]

    def wants(self) -> str:
        """The wanted value in words, for messages (``388``, ``>= 64``, ``in {25, 26}``)."""
        right = self.right if isinstance(self.right, str) else ", ".join(map(str, self.right))
        if self.op == "==":
            return right
        if self.op == "in":
            return f"one of {{{right}}}"
        if self.op == "..":
            assert isinstance(self.right, tuple)
            return f"in {self.right[0]}..{self.right[1]}"
        if self.op == "%":
            return f"a multiple of {right}"
        return f"{self.op} {right}"


# Measured quantities a target can name (see Target.quantity); "size" is implicit.
QUANTITIES: dict[str, Any] = {}


@dataclass
class Var:
    """One unknown of a solve: its domain, where it is used, its reference value."""

    name: str
    domain: Sequence[Any]  # a range for integers (never materialised), else choices
    ref: Any = None  # the value it had (a fix, or Unknown.ref); None when there was none
    field: str = ""
    natural: Any = None  # the field's do-nothing value, to measure change without a ref
    layers: list[int] = dc_field(default_factory=list)  # indexes; -1 for the input

    @property
    def size(self) -> int:
        """How many values the domain holds; ``len`` overflows past 2**63 for the
        huge ranges users type (``input=1..1e40``), this does not."""
        d = self.domain
        if isinstance(d, range):
            return max(0, -(-(d.stop - d.start) // d.step))
        return len(d)

    @property
    def first(self) -> int:
        return min(self.layers) if self.layers else -1

    @property
    def last(self) -> int:
        return max(self.layers) if self.layers else -1


def parse_target(text: str | Target, net: Network) -> Target:
    """Read a target: ``output=388,388``, ``up6=conv4``, ``output=input``, ``conv5.H=28``,
    ``output>=64``, ``output<=100``, ``output in {25, 26}``, ``output=64..128``,
    ``output % 32 == 0``.

    >>> import planner
    >>> net = planner.load("unet-original")
    >>> str(parse_target("output in {386, 388}", net)), parse_target("output%32==0", net).op
    ('output in {386, 388}', '%')
    """
    if isinstance(text, Target):
        return text
    if not isinstance(text, str):
        raise SolveError(
            f"a target must be a string like 'output=388' or a Target; received "
            f"{type(text).__name__} {text!r}",
            field="targets",
        )
    text, back = _alias_names(text, net)
    m = _TARGET.match(text)
    if not m:
        raise SolveError(
            f"cannot read target {text!r}; write LAYER=N[,N...], LAYER=OTHER_LAYER, "
            "output=input, LAYER>=N, LAYER<=N, LAYER in {N, M}, LAYER=LO..HI or "
            "LAYER % N == 0 (optionally LAYER.AXIS ...)",
            field="--target",
        )
    left, axis, op, right = m.group("left"), m.group("axis"), m.group("op"), m.group("right")
    left, right = back.get(left, left), back.get(right.strip(), right)
    for alias, name in back.items():
        text = text.replace(alias, name)
    names = axis_names(net.rank)
    _check_ref(left, net, text, allow_input=False)
    axes = None
    if axis is not None:
        if axis not in names:
            raise SolveError(
                f"axis {axis!r} in target {text!r}; this network's axes are {', '.join(names)}",
                field="--target",
            )
        axes = (names.index(axis),)
    clean = text.strip()
    op = {"=": "==", "==": "=="}.get(op.strip(), op.strip())
    if op == "%":
        mod = re.fullmatch(r"(\d+)\s*==?\s*0", right)
        if not mod or int(mod.group(1)) < 1:
            raise SolveError(
                f"cannot read {text!r}; a divisibility target reads LAYER % N == 0 with N >= 1",
                field="--target",
            )
        return Target(left, (int(mod.group(1)),), axes, clean, op="%")
    if op == "in":
        body = right.strip()
        span = re.fullmatch(r"(\d+)\s*\.\.\s*(\d+)", body)
        if span:
            return _range_target(left, span, axes, clean, text)
        body = body.removeprefix("{").removesuffix("}")
        if not re.fullmatch(r"[\d\s,]+", body) or not body.strip(", "):
            raise SolveError(
                f"cannot read the set in {text!r}; write LAYER in {{N, M, ...}} or LAYER in LO..HI",
                field="--target",
            )
        values = tuple(sorted({int(v) for v in body.split(",") if v.strip()}))
        _positive(values, text)
        return Target(left, values, axes, clean, op="in")
    span = re.fullmatch(r"(\d+)\s*\.\.\s*(\d+)", right)
    if span and op == "==":
        return _range_target(left, span, axes, clean, text)
    if re.fullmatch(r"[\d\s,]+", right):
        values = tuple(int(v) for v in right.split(",") if v.strip())
        expected = len(axes) if axes else net.rank
        if len(values) not in (1, expected):
            raise SolveError(
                f"target {text!r} gives {len(values)} sizes; give 1 or {expected} "
                f"(axes {', '.join(names if axes is None else [names[a] for a in axes])})",
                field="--target",
            )
        _positive(values, text)
        return Target(left, values, axes, clean, op=op)
    _check_ref(right, net, text, allow_input=True)
    return Target(left, right, axes, clean, op=op)


def _range_target(
    left: str, span: re.Match[str], axes: tuple[int, ...] | None, clean: str, text: str
) -> Target:
    lo, hi = int(span.group(1)), int(span.group(2))
    if lo > hi:
        raise SolveError(
            f"the range in target {text!r} is reversed ({lo} > {hi}); write LO..HI with "
            f"LO <= HI, e.g. {hi}..{lo}",
            field="--target",
        )
    _positive((lo, hi), text)
    return Target(left, (lo, hi), axes, clean, op="..")


def _positive(values: tuple[int, ...], text: str) -> None:
    if any(v < 1 for v in values):
        raise SolveError(
            f"target sizes must be >= 1; received {min(values)} in {text!r}", field="--target"
        )


def _check_ref(name: str, net: Network, text: str, allow_input: bool) -> None:
    valid = {"output", *net.layer_names}
    if allow_input:
        valid.add("input")
        valid.add(net.input_name)
    if name not in valid:
        import difflib

        guess = difflib.get_close_matches(name, sorted(valid), n=1)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        raise SolveError(
            f"target {text!r} names '{name}', which is not a layer of {net.name}.{hint}",
            field="--target",
        )


def target_sizes(t: Target, net: Network, sizes: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The (left, right) sizes a target compares, on its axes.

    ``sizes`` maps tensor names to spatial sizes. Raises ``SolveError`` when a side
    has no spatial axes (after Flatten or Dense, targets have nothing to compare).
    """
    left_name = resolve_name(t.left, net)
    left = tuple(sizes[left_name])
    axes = t.axes if t.axes is not None else tuple(range(net.rank))
    if len(left) != net.rank:
        raise SolveError(
            f"target {t}: '{left_name}' has no spatial axes (flattened); targets compare "
            "spatial sizes",
            field="--target",
        )
    if isinstance(t.right, str):
        right_name = resolve_name(t.right, net)
        right = tuple(sizes[right_name])
        if len(right) != net.rank:
            raise SolveError(
                f"target {t}: '{right_name}' has no spatial axes (flattened); targets "
                "compare spatial sizes",
                field="--target",
            )
        return tuple(left[a] for a in axes), tuple(right[a] for a in axes)
    if t.op in ("in", ".."):
        return tuple(left[a] for a in axes), (0,) * len(axes)  # the set is in the target
    want = t.right if len(t.right) == len(axes) else t.right * len(axes)
    return tuple(left[a] for a in axes), tuple(want)


def target_holds(t: Target, net: Network, sizes: Any) -> bool:
    """Whether ``t`` holds on the spatial ``sizes`` (tensor name -> sizes); a flattened
    side never holds."""
    try:
        left, right = target_sizes(t, net, sizes)
    except SolveError:
        return False
    return all(t.holds(a, b) for a, b in zip(left, right, strict=True))


def resolve_name(name: str, net: Network) -> str:
    if name == "output":
        return net.layer_names[-1] if net.layers else net.input_name
    if name == "input":
        return net.input_name
    return name


def with_unknowns(net: Network, specs: list[str]) -> Network:
    """Make fields unknown by ``LAYER.FIELD[.AXIS][=LO..HI]`` (the CLI's ``--unknown``)."""
    if not specs:
        return net
    data = net.to_data()
    names = axis_names(net.rank)
    for spec in specs:
        if not isinstance(spec, str):
            raise SolveError(
                f"an unknown must be a string like 'conv1.padding=0..3'; received "
                f"{type(spec).__name__} {spec!r}",
                field="--unknown",
            )
        aliased, back = _alias_names(spec, net)
        m = _UNKNOWN.match(aliased)
        if not m:
            raise SolveError(
                f"cannot read unknown {spec!r}; write LAYER.FIELD or LAYER.FIELD=LO..HI "
                "(e.g. conv1.padding=0..3, input.H=64..1024, pool1.ceil_mode)",
                field="--unknown",
            )
        layer_name, fld, axis, lo, hi, listed = m.groups()
        layer_name = back.get(layer_name, layer_name)
        lo_i = _bound(lo, spec)
        hi_i = _bound(hi, spec)
        if lo_i is not None and hi_i is not None and lo_i > hi_i:
            raise SolveError(
                f"unknown {spec!r} has reversed bounds ({lo_i} > {hi_i}); write LO..HI with "
                f"LO <= HI, e.g. {spec.split('=')[0].strip()}={hi_i}..{lo_i}",
                field="--unknown",
            )
        if layer_name in ("input", net.input_name):
            if listed is not None:
                raise SolveError(
                    f"unknown {spec!r}: an input size takes a range (input=64..1024), not a "
                    "list; `planner inputs NET --near N` lists the valid sizes near N",
                    field="--unknown",
                )
            if fld is None:
                _unknown_square_input(data, net, lo_i, hi_i)
            else:
                _unknown_input(data, net, fld, axis, lo_i, hi_i, names, spec)
            continue
        if fld is None:
            raise SolveError(
                f"cannot read unknown {spec!r}; write LAYER.FIELD (e.g. {layer_name}.padding)",
                field="--unknown",
            )
        uname = f"{layer_name}.{fld}" + (f".{axis}" if axis else "")
        index = _layer_index(net, layer_name, spec)
        layer = net.layers[index]
        item = data["layers"][index]
        fld = field_alias(layer, fld)
        uname = f"{layer_name}.{fld}" + (f".{axis}" if axis else "")
        if fld not in type(layer).model_fields or fld in ("type", "name", "inputs"):
            valid = [f for f in _solvable_fields(layer)]
            raise SolveError(
                f"layer '{layer_name}' ({layer.type}) has no field '{fld}' that can be "
                f"solved; fields: {', '.join(valid) or 'none'}",
                field="--unknown",
            )
        current = getattr(layer, fld)
        if listed is not None:
            choices = _choices(listed, spec, layer_name, fld, current, net.framework)
            ref = DEFAULT if current is None and DEFAULT in choices else current
            ref = _reference(current, fld, axis, names) if isinstance(current, tuple) else ref
            unknown = Unknown(uname, choices=choices, ref=_plain(ref)).to_data()
            if axis is None:
                item[fld] = unknown
            else:
                item[fld] = _with_axis(current, unknown, axis, names, net.rank, spec)
            continue
        if fld == "ceil_mode":
            item[fld] = Unknown(uname, choices=(False, True), ref=current).to_data()
            continue
        if fld == "padding" and isinstance(current, str):
            if lo_i is not None:
                raise SolveError(
                    f"'{layer_name}.padding' is a mode ({current!r}); it is solved among "
                    f"{', '.join(MODE_CHOICES[net.framework])}, without bounds",
                    field="--unknown",
                )
            choices = MODE_CHOICES[net.framework]
            item[fld] = Unknown(uname, choices=choices, ref=current).to_data()
            continue
        if current is None and fld == "strides" and axis is None:
            # A pooling stride left to the framework: "default" is one of the choices.
            lo_d, hi_d = DEFAULT_BOUNDS["strides"]
            lo_c = lo_i if lo_i is not None else lo_d
            hi_c = hi_i if hi_i is not None else hi_d
            if hi_c - lo_c > 4096:
                raise SolveError(
                    f"unknown {spec!r} would list {hi_c - lo_c + 1:,} strides as choices; "
                    "give at most 4,097 (e.g. " + f"{layer_name}.strides=1..8)",
                    field="--unknown",
                )
            choices = (DEFAULT, *range(max(lo_c, 1), hi_c + 1))
            item[fld] = Unknown(uname, choices=choices, ref=DEFAULT).to_data()
            continue
        ref = _reference(current, fld, axis, names)
        unknown = Unknown(uname, lo_i, hi_i, ref=ref).to_data()
        if axis is not None:
            item[fld] = _with_axis(current, unknown, axis, names, net.rank, spec)
        else:
            item[fld] = unknown
    from planner.spec.loading import network_from_data

    return network_from_data(data, source=net.name)


def assign(net: Network, values: dict[str, Any]) -> Network:
    """``net`` with every unknown named in ``values`` replaced by its value (``"default"``
    leaves the field to the framework)."""

    def fill(value: Any) -> Any:
        if isinstance(value, dict) and "unknown" in value:
            return _plain_value(values.get(str(value["unknown"]), value))
        if isinstance(value, str) and value.startswith("?"):
            return _plain_value(values.get(value[1:], value))
        if isinstance(value, list):
            filled = [fill(v) for v in value]
            # Every axis left to the framework: the field is unset.
            return None if filled and all(v is None for v in filled) else filled
        return value

    refuse_stray(values, net.unknowns(), net.name, "values")
    data = net.to_data()
    data["input_shape"] = [fill(d) for d in data["input_shape"]]
    data["layers"] = [{k: fill(v) for k, v in item.items()} for item in data["layers"]]
    from planner.spec.loading import network_from_data

    return network_from_data(data, source=net.name)


def _plain_value(value: Any) -> Any:
    """An unknown's value as a field takes it ("default" is the unset field)."""
    return None if value == DEFAULT else value


def _reference(current: Any, fld: str, axis: str | None, names: tuple[str, ...]) -> Any:
    """The value a field had before it became unknown (an int), else None."""
    if isinstance(current, tuple):
        if fld in ("padding", "cropping"):
            flat = [v for pair in current for v in pair]
        else:
            flat = list(current)
        if axis is not None and fld not in ("padding", "cropping"):
            flat = [current[names.index(axis)]]
        ints = {v for v in flat if isinstance(v, int)}
        return ints.pop() if len(ints) == 1 and len(ints) == len(set(map(str, flat))) else None
    return current if isinstance(current, int) and not isinstance(current, bool) else None


def _with_axis(
    current: Any, unknown: Any, axis: str, names: tuple[str, ...], rank: int, spec: str
) -> list[Any]:
    """The per-axis values of a field with ``axis``'s made ``unknown``."""
    if axis not in names:
        raise SolveError(f"axis {axis!r} in {spec!r}; axes: {', '.join(names)}", field="--unknown")
    values = list(current) if isinstance(current, tuple) else [current] * rank
    values = [_plain(v) for v in values]
    values[names.index(axis)] = unknown
    return values


def _choices(
    listed: str, spec: str, layer: str, fld: str, current: Any, framework: str
) -> tuple[Any, ...]:
    """The options of ``LAYER.FIELD=A,B,C``: padding modes for a padding given as a
    mode, whole numbers otherwise, and ``default`` for a pooling stride left to the
    framework."""
    words = [w.strip() for w in listed.split(",")]
    if any(not w for w in words):
        raise SolveError(
            f"unknown {spec!r} has an empty choice; write LAYER.FIELD=A,B,C "
            f"(e.g. {layer}.{fld}=3,5,7)",
            field="--unknown",
        )
    if fld == "ceil_mode":
        raise SolveError(
            f"unknown {spec!r}: ceil_mode is always solved between false and true; write "
            f"{layer}.ceil_mode",
            field="--unknown",
        )
    amounts = all(re.fullmatch(r"-?\d+", w) for w in words)
    if fld == "padding" and not amounts:
        modes = MODE_CHOICES[framework]
        wrong = [w for w in words if w.lower() not in modes]
        if wrong:
            raise SolveError(
                f"unknown {spec!r}: {', '.join(map(repr, wrong))} is not a {framework} padding "
                f"mode; choose among {', '.join(modes)}",
                field="--unknown",
            )
        out: list[Any] = [w.lower() for w in words]
    else:
        out = []
        for w in words:
            if w.lower() == DEFAULT and current is None and fld == "strides":
                out.append(DEFAULT)
                continue
            if not re.fullmatch(r"-?\d+", w):
                extra = " or default (the framework's stride)" if current is None else ""
                raise SolveError(
                    f"unknown {spec!r}: choice {w!r} is not a whole number; the choices of "
                    f"{layer}.{fld} are whole numbers{extra}",
                    field="--unknown",
                )
            out.append(int(w))
    if len(set(out)) != len(out):
        raise SolveError(f"unknown {spec!r} lists a choice twice", field="--unknown")
    return tuple(out)


def _bound(text: str | None, spec: str) -> int | None:
    """``12``, ``-3``, ``10**18`` or ``1e9`` as an int."""
    if text is None:
        return None
    m = re.fullmatch(r"(-?)(\d+)(?:\*\*(\d+)|e(\d+))?", text)
    if not m or (m.group(3) and int(m.group(3)) > 100) or (m.group(4) and int(m.group(4)) > 100):
        raise SolveError(
            f"cannot read the bound {text!r} in unknown {spec!r}; write a whole number "
            "(12, 1000000, 10**9 or 1e9)",
            field="--unknown",
        )
    sign, base, power, exponent = m.groups()
    value = int(base) ** int(power) if power else int(base) * 10 ** int(exponent or 0)
    return -value if sign else value


def field_alias(layer: LayerBase, name: str) -> str:
    """The field a YAML spelling names on ``layer`` (``stride`` -> ``strides``,
    ``kernel`` -> ``kernel_size``, ``scale_factor`` -> ``scale``); ``name`` if none."""
    fields = type(layer).model_fields
    if name in fields:
        return name
    for field_name, info in fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None) or ([alias] if isinstance(alias, str) else [])
        if name in choices:
            return field_name
    return name


def _plain(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value.to_data()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _unknown_input(
    data: dict[str, Any],
    net: Network,
    fld: str,
    axis: str | None,
    lo: int | None,
    hi: int | None,
    names: tuple[str, ...],
    spec: str,
) -> None:
    """``input.H`` makes one axis unknown (named ``H``); ``input`` alone makes every
    spatial axis one shared unknown named ``input`` (a square input)."""
    axis = axis or fld
    if axis.upper() not in names:
        raise SolveError(
            f"cannot read {spec!r}: the input's axes are {', '.join(names)} "
            "(input.H=LO..HI, or input=LO..HI for a square input)",
            field="--unknown",
        )
    shape = list(data["input_shape"])
    offset = 0 if net.channels_last else 1
    a = axis.upper()
    shape[offset + names.index(a)] = Unknown(a, lo, hi).to_data()
    data["input_shape"] = shape


def _unknown_square_input(
    data: dict[str, Any], net: Network, lo: int | None, hi: int | None
) -> None:
    shape = list(data["input_shape"])
    offset = 0 if net.channels_last else 1
    for i in range(net.rank):
        shape[offset + i] = Unknown("input", lo, hi).to_data()
    data["input_shape"] = shape


def _layer_index(net: Network, name: str, spec: str) -> int:
    for i, layer in enumerate(net.layers):
        if layer.name == name:
            return i
    import difflib

    guess = difflib.get_close_matches(name, net.layer_names, n=1)
    hint = f" Did you mean '{guess[0]}'?" if guess else ""
    raise SolveError(f"unknown {spec!r} names no layer of {net.name}.{hint}", field="--unknown")


def _solvable_fields(layer: LayerBase) -> list[str]:
    fields = [*layer.per_axis_fields, *layer.pad_fields]
    if "ceil_mode" in type(layer).model_fields:
        fields.append("ceil_mode")
    return fields


def refuse_stray(given: Iterable[str], have: Iterable[str], network: str, field: str) -> None:
    """Refuse names in ``given`` (values, refs) that are not unknowns of the network."""
    have = list(have)
    stray = sorted(set(given) - set(have))
    if stray:
        raise SolveError(
            f"{field} name {', '.join(repr(s) for s in stray)}, which "
            f"{'is not an unknown' if len(stray) == 1 else 'are not unknowns'} of {network}; "
            f"its unknowns are {', '.join(have) or 'none'}",
            field=field,
        )
