"""Model code as text: Keras (functional or ``Sequential``) and PyTorch
(``nn.Sequential``, ``nn.Module.__init__``) read with Python's ``ast``.

Nothing is run: no ``eval``, no framework import. Argument values must be
literals, names bound to literals earlier in the code, simple arithmetic on them,
or a function parameter's default; ``for`` loops over literal lists (or
``range``) are unrolled. Anything else, and any call planner has no layer for, is
a ``Problem`` naming the call and its line.

- Keras functional: ``x = layers.Conv2D(...)(x)``, nested calls, ``concatenate([a,
  b])``, a layer object called several times; ``keras.Input(shape=...)`` gives the
  input shape. A layer assigned to a variable assigned only once takes that
  variable's name (``encoded = ...``); others get Keras' names (``conv2d_1``).
- Keras ``Sequential([...])`` and ``model.add(...)``; the input shape from
  ``keras.Input``, ``input_shape=`` or ``--input``.
- PyTorch: ``nn.Sequential(...)`` (also with an ``OrderedDict``) and the
  ``self.x = nn.X(...)`` assignments of an ``nn.Module``'s ``__init__``, as a chain
  in definition order (``forward`` is not read). Input channels come from the first
  layer (``in_channels``), spatial sizes are symbols (``H``, ``W``) unless
  ``--input`` gives numbers.
"""

from __future__ import annotations

import ast
import contextlib
import operator
from collections import Counter
from typing import Any

from planner.errors import SpecError
from planner.importers import ImportResult, Problem
from planner.importers.keras_layers import POSITIONAL, Unsupported, keras_layer
from planner.spec.layers import TYPE_ALIASES

_TORCH_POSITIONAL: dict[str, tuple[str, ...]] = {
    "conv": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
             "groups", "bias", "padding_mode"),
    "conv_transpose": ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                       "output_padding", "groups", "bias", "dilation"),
    "max_pool": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "avg_pool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "dense": ("in_features", "out_features", "bias"),
    "batch_norm": ("num_features", "eps", "momentum", "affine"),
    "upsample": ("size", "scale_factor", "mode", "align_corners"),
    "zero_padding": ("padding", "value"),
    "dropout": ("p",),
    "flatten": ("start_dim", "end_dim"),
    "global_pool": ("output_size",),
    "activation": (),
    "pixel_shuffle": ("factor",),
}  # fmt: skip
_TORCH_ACT_POSITIONAL = {"leakyrelu": ("negative_slope",), "softmax": ("dim",), "elu": ("alpha",)}
# Keyword arguments that say how to run or store a PyTorch layer, not its shape.
_TORCH_IGNORED = {"inplace", "device", "dtype", "track_running_stats", "return_indices"}
_INPUT_CHANNELS = ("in_channels", "in_features", "num_features")
_KERAS_FUNCTIONS = {"concatenate": "Concatenate", "add": "Add", "subtract": "Subtract",
                    "multiply": "Multiply", "average": "Average", "maximum": "Maximum",
                    "minimum": "Minimum"}  # fmt: skip
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Div: operator.truediv, ast.Pow: operator.pow}  # fmt: skip
_SYMBOLS = {1: ["W"], 2: ["H", "W"], 3: ["D", "H", "W"]}


class _Stop(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def import_code(
    text: str, source: str = "<code>", input_shape: list[Any] | None = None
) -> ImportResult:
    """A planner network from Keras or PyTorch code, read without running it."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise SpecError(f"{source}: not Python (line {exc.lineno}: {exc.msg})") from None
    framework = "torch" if _uses_torch(tree) else "keras"
    reader = _Reader(source, framework, input_shape, tree)
    return reader.read()


def layer_from_call(text: str) -> tuple[str, dict[str, Any], int | None]:
    """One layer call (``nn.Conv2d(3, 16, 3)``, ``Conv2D(16, 3)``) as planner layer data.

    Returns the framework, the layer data and the input channels the call names
    (PyTorch ``in_channels``), if any.

    >>> layer_from_call("nn.Conv2d(3, 16, 3, stride=2)")
    ('torch', {'type': 'Conv2d', 'kernel_size': 3, 'filters': 16, 'strides': 2}, 3)
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise SpecError(f"not a layer call: {text!r} ({exc.msg})", field="LAYER") from None
    if not isinstance(node, ast.Call):
        raise SpecError(
            f"not a layer call: {text!r}; write e.g. nn.Conv2d(3, 16, 3)", field="LAYER"
        )
    name = _dotted(node.func) or ""
    framework = _framework_of(name)
    reader = _Reader("<layer>", framework, None, None)
    try:
        data, channels = reader.layer_data(node)
    except _Stop as stop:
        raise SpecError(str(stop.problem), field="LAYER") from None
    return framework, data, channels


def _framework_of(name: str) -> str:
    head, _, cls = name.rpartition(".")
    if head.endswith("nn") or head.startswith("torch"):
        return "torch"
    if head.startswith(("keras", "tf", "layers")):
        return "keras"
    # Bare names: PyTorch spells Conv2d, Keras Conv2D.
    return "torch" if cls[-1:] == "d" and cls[-2:-1].isdigit() else "keras"


def _uses_torch(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mod = getattr(node, "module", None) or ""
            names = [a.name for a in node.names]
            if mod.startswith("torch") or any(n.startswith("torch") for n in names):
                return True
    return False


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class _Reader:
    def __init__(self, source: str, framework: str, shape: list[Any] | None, tree: ast.AST | None):
        self.source = source
        self.framework = framework
        self.shape = shape
        self.tree = tree
        self.env: dict[str, Any] = {}
        self.tensors: dict[str, str] = {}  # variable -> planner layer (or the input)
        self.objects: dict[str, ast.Call] = {}  # variable -> a layer not yet applied
        self.calls: Counter[str] = Counter()  # layer object -> times applied
        self.layers: list[dict[str, Any]] = []
        self.names: set[str] = set()
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.input_shape: list[Any] | None = None
        self.first_channels: int | None = None
        self.single: set[str] = set()

    # --- the walk -------------------------------------------------------------------
    def read(self) -> ImportResult:
        assert self.tree is not None
        counts = Counter(
            t.id
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        )
        self.single = {n for n, c in counts.items() if c == 1}
        try:
            self.block(self.tree.body)  # type: ignore[attr-defined]
        except _Stop as stop:
            self.problems.append(stop.problem)
        if not self.layers and not self.problems:
            raise SpecError(f"{self.source}: no layers found (Keras or PyTorch layer calls)")
        return self.result()

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass | ast.Return):
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # a docstring
        if isinstance(stmt, ast.FunctionDef):
            self.function(stmt)
            return
        if isinstance(stmt, ast.ClassDef):
            self.block(stmt.body)
            return
        if (
            isinstance(stmt, ast.If)
            and _dotted(getattr(stmt.test, "left", None) or stmt.test) == "__name__"
        ):
            return  # the script's main block
        if isinstance(stmt, ast.For):
            self.loop(stmt)
            return
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            self.assign(stmt.targets[0], stmt.value)
            return
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.assign(stmt.target, stmt.value)
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.expression_call(stmt.value)
            return
        if self.tree is not None and not self._mentions_layers(stmt):
            return
        raise _Stop(
            Problem(ast.unparse(stmt)[:60], type(stmt).__name__, "statement not read", stmt.lineno)
        )

    def _mentions_layers(self, stmt: ast.stmt) -> bool:
        return any(isinstance(n, ast.Call) and self.layer_kind(n) for n in ast.walk(stmt))

    def function(self, fn: ast.FunctionDef) -> None:
        args = fn.args.args
        defaults = fn.args.defaults
        for arg, default in zip(args[len(args) - len(defaults) :], defaults, strict=True):
            with contextlib.suppress(_Stop):
                self.env[arg.arg] = self.value(default)
        if fn.name == "forward":
            self.notes.append("forward() is not read: the layers run in __init__ order")
            return
        self.block(fn.body)

    def loop(self, stmt: ast.For) -> None:
        items = self.value(stmt.iter)
        if not isinstance(stmt.target, ast.Name | ast.Tuple):
            raise _Stop(Problem("for", "For", "loop target not a name", stmt.lineno))
        for item in items:
            if isinstance(stmt.target, ast.Name):
                self.env[stmt.target.id] = item
            else:
                for t, v in zip(stmt.target.elts, item, strict=True):
                    if isinstance(t, ast.Name):
                        self.env[t.id] = v
            self.block(stmt.body)

    def assign(self, target: ast.expr, value: ast.expr) -> None:
        name = _dotted(target)
        if name is None:
            raise _Stop(
                Problem(ast.unparse(target), "Assign", "assignment target not read", target.lineno)
            )
        attribute = name.startswith("self.")
        if attribute:
            name = name[5:]
        if isinstance(value, ast.Call):
            self.assign_call(name, value, attribute)
            return
        if isinstance(value, ast.Name) and value.id in self.tensors:
            self.tensors[name] = self.tensors[value.id]
            return
        try:
            self.env[name] = self.value(value)
        except _Stop:
            if self._mentions_layers(ast.Expr(value=value)):
                raise

    def assign_call(self, var: str, call: ast.Call, attribute: bool = False) -> None:
        fname = _dotted(call.func) or ""
        cls = fname.rpartition(".")[2]
        if cls == "Input" or fname.endswith("layers.Input"):
            self.keras_input(var, call)
            return
        if cls in ("Model", "Functional"):
            return
        if cls == "Sequential":
            # PyTorch names a Sequential's children by position under the module path
            # (self.features -> features.0); a model that is itself a Sequential: 0, 1...
            self.sequential(var, call, f"{var}." if attribute else "")
            return
        if cls == "ModuleList":
            raise _Stop(
                Problem(
                    var,
                    "ModuleList",
                    "an nn.ModuleList's use is in forward, which is not read",
                    call.lineno,
                )
            )
        if (
            isinstance(call.func, ast.Call)
            or cls in _KERAS_FUNCTIONS
            or (isinstance(call.func, ast.Name) and call.func.id in self.objects)
        ):
            self.tensors[var] = self.apply(call, var)
            return
        if self.framework == "torch" and self.layer_kind(call):
            self.add_layer(call, var, None, var)
            return
        if self.layer_kind(call):
            self.objects[var] = call
            return
        try:
            self.env[var] = self.value(call)
        except _Stop:
            raise _Stop(
                Problem(var, fname or "call", "call planner cannot read", call.lineno)
            ) from None

    def expression_call(self, call: ast.Call) -> None:
        fname = _dotted(call.func) or ""
        if fname.endswith(".add") and call.args and isinstance(call.args[0], ast.Call):
            inner = call.args[0]
            if (_dotted(inner.func) or "").rpartition(".")[2] == "Input":
                self.keras_input("__input__", inner)
                return
            self.add_layer(inner, None, None, None)
            return
        if fname.endswith((".append", ".summary", ".compile", ".fit", "super().__init__")):
            return
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call):
            return  # super().__init__()
        if self._mentions_layers(ast.Expr(value=call)):
            raise _Stop(Problem(fname, "call", "call planner cannot read", call.lineno))

    # --- Keras -----------------------------------------------------------------------
    def keras_input(self, var: str, call: ast.Call) -> None:
        kwargs = {k.arg: k.value for k in call.keywords if k.arg}
        node = kwargs.get("shape") or (call.args[0] if call.args else None)
        if node is None:
            node = kwargs.get("batch_shape")
            shape = list(self.value(node))[1:] if node is not None else None
        else:
            shape = list(self.value(node))
        if shape is None:
            raise _Stop(Problem(var, "Input", "no shape given", call.lineno))
        self.input_shape = shape
        self.tensors[var] = "input"
        self.names.add("input")

    def sequential(self, var: str, call: ast.Call, prefix: str = "") -> None:
        items: list[ast.expr] = []
        for arg in call.args:
            if isinstance(arg, ast.List | ast.Tuple):
                items.extend(arg.elts)
            elif isinstance(arg, ast.Call) and (_dotted(arg.func) or "").endswith("OrderedDict"):
                pairs = arg.args[0] if arg.args else None
                if isinstance(pairs, ast.List | ast.Tuple):
                    for pair in pairs.elts:
                        if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                            name = self.value(pair.elts[0])
                            items.append(ast.Tuple(elts=[ast.Constant(name), pair.elts[1]]))
            else:
                items.append(arg)
        for position, item in enumerate(items):
            name = f"{prefix}{position}" if self.framework == "torch" else None
            if isinstance(item, ast.Tuple):
                key, item = item.elts[0].value, item.elts[1]  # type: ignore[attr-defined]
                name = f"{prefix}{key}"
            if not isinstance(item, ast.Call):
                raise _Stop(
                    Problem(
                        ast.unparse(item)[:40], "Sequential item", "not a layer call", item.lineno
                    )
                )
            if (_dotted(item.func) or "").rpartition(".")[2] == "Input":
                self.keras_input("__input__", item)
                continue
            if (_dotted(item.func) or "").rpartition(".")[2] == "Sequential":
                self.sequential(var, item, f"{name}.")
                continue
            self.add_layer(item, name, None, name)

    def apply(self, call: ast.Call, var: str | None) -> str:
        """A layer applied to tensors: ``Layer(...)(x)``, ``obj(x)``, ``concatenate([a, b])``."""
        fname = _dotted(call.func) or ""
        cls = fname.rpartition(".")[2]
        if cls in _KERAS_FUNCTIONS:
            layer_call = ast.Call(
                func=ast.Name(_KERAS_FUNCTIONS[cls]), args=[], keywords=call.keywords
            )
            ast.copy_location(layer_call, call)
            return self.add_layer(layer_call, None, self.inputs(call.args[0], call), var)
        if isinstance(call.func, ast.Name) and call.func.id in self.objects:
            obj = call.func.id
            self.calls[obj] += 1
            n = self.calls[obj]
            if n > 1:
                self.notes.append(
                    f"{obj} is called {n} times (shared weights): one planner layer per call"
                )
            name = obj if n == 1 else f"{obj}_call{n - 1}"
            return self.add_layer(self.objects[obj], name, self.inputs(call.args[0], call), None)
        if isinstance(call.func, ast.Call):
            if not call.args:
                raise _Stop(
                    Problem(
                        ast.unparse(call)[:40], "call", "a layer called without input", call.lineno
                    )
                )
            return self.add_layer(call.func, None, self.inputs(call.args[0], call), var)
        raise _Stop(Problem(fname, "call", "call planner cannot read", call.lineno))

    def inputs(self, node: ast.expr, call: ast.Call) -> list[str]:
        nodes = node.elts if isinstance(node, ast.List | ast.Tuple) else [node]
        out = []
        for n in nodes:
            if isinstance(n, ast.Call):
                out.append(self.apply(n, None))
            elif isinstance(n, ast.Name) and n.id in self.tensors:
                out.append(self.tensors[n.id])
            elif isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):
                seq = self.env.get(n.value.id)
                index = self.value(n.slice)
                if not isinstance(seq, list):
                    raise _Stop(
                        Problem(
                            ast.unparse(n), "Subscript", "not a tensor planner knows", call.lineno
                        )
                    )
                out.append(seq[index])
            else:
                raise _Stop(
                    Problem(ast.unparse(n)[:40], "input", "not a tensor planner knows", call.lineno)
                )
        return out

    # --- layers ----------------------------------------------------------------------
    def layer_kind(self, call: ast.Call) -> str | None:
        cls = (_dotted(call.func) or "").rpartition(".")[2]
        entry = TYPE_ALIASES.get(cls.lower())
        return entry[0] if entry else None

    def layer_data(self, call: ast.Call) -> tuple[dict[str, Any], int | None]:
        fname = _dotted(call.func) or ast.unparse(call.func)
        cls = fname.rpartition(".")[2]
        kind = self.layer_kind(call)
        if kind is None or kind == "input":
            raise _Stop(Problem(fname, cls, "planner has no layer for this call", call.lineno))
        positional = (
            _TORCH_POSITIONAL.get(kind, ())
            if self.framework == "torch"
            else POSITIONAL.get(kind, ())
        )
        if self.framework == "torch" and kind == "activation":
            positional = _TORCH_ACT_POSITIONAL.get(cls.lower(), ())
        if len(call.args) > len(positional):
            raise _Stop(
                Problem(
                    fname,
                    cls,
                    f"{len(call.args)} positional arguments; planner reads {len(positional)}",
                    call.lineno,
                )
            )
        args: dict[str, Any] = {}
        for name, node in zip(positional, call.args, strict=False):
            args[name] = self.value(node)
        for kw in call.keywords:
            if kw.arg is None:
                raise _Stop(Problem(fname, cls, "**kwargs cannot be read", call.lineno))
            args[kw.arg] = self.value(kw.value)
        try:
            if self.framework == "torch":
                return self.torch_layer(cls, kind, args)
            args.pop("input_shape", None)
            return keras_layer(cls, args), None
        except Unsupported as exc:
            raise _Stop(Problem(fname, cls, str(exc), call.lineno)) from None

    def torch_layer(
        self, cls: str, kind: str, args: dict[str, Any]
    ) -> tuple[dict[str, Any], int | None]:
        channels = next((args.pop(k) for k in _INPUT_CHANNELS if k in args), None)
        for key in _TORCH_IGNORED:
            args.pop(key, None)
        if kind == "zero_padding" and args.pop("value", 0) != 0:
            raise Unsupported("a constant pad with a value other than 0")
        if kind == "flatten" and (args.pop("start_dim", 1), args.pop("end_dim", -1)) != (1, -1):
            raise Unsupported("flatten over other axes than all but the batch")
        if kind == "global_pool":
            size = args.pop("output_size", 1)
            sizes = list(size) if isinstance(size, list | tuple) else [size]
            if any(v != 1 for v in sizes):
                args["output_size"] = size  # adaptive pooling to a size (None: keep)
        if kind == "activation" and "dim" in args:
            args.pop("dim")
        if "out_channels" in args:
            args["filters"] = args.pop("out_channels")
        if "out_features" in args:
            args["units"] = args.pop("out_features")
        if "stride" in args:
            args["strides"] = args.pop("stride")
        out = {"type": cls, **{k: list(v) if isinstance(v, tuple) else v for k, v in args.items()}}
        return out, channels

    def add_layer(
        self, call: ast.Call, name: str | None, inputs: list[str] | None, var: str | None
    ) -> str:
        data, channels = self.layer_data(call)
        given = data.pop("name", None)
        if given is None and name is None and var is not None and var in self.single:
            name = var
        name = given or name
        if name is not None:
            name = str(name)
            if name in self.names:
                name = None
        if self.first_channels is None and channels is not None:
            self.first_channels = channels
        if inputs is not None:
            data["inputs"] = inputs
        elif self.layers:
            data["inputs"] = [self.layers[-1]["name"]]
        else:
            data["inputs"] = ["input"]
        data["name"] = name or self.default_name(data)
        self.names.add(data["name"])
        self.layers.append(data)
        return data["name"]

    def default_name(self, data: dict[str, Any]) -> str:
        from planner.spec.layers import LAYER_CLASSES, resolve_type

        resolved, rank = resolve_type(dict(data))
        cls = LAYER_CLASSES[resolved["type"]]
        fields = {
            k: v for k, v in resolved.items() if k in cls.model_fields and k in ("op", "type")
        }
        base = cls.model_validate(fields) if resolved["type"] in ("global_pool", "add") else None
        rank = rank or (len(self.input_shape) - 1 if self.input_shape else 2)
        stem = base.default_name(rank) if base else cls.keras_name.format(rank=rank)
        candidate, n = stem, 0
        while candidate in self.names:
            n += 1
            candidate = f"{stem}_{n}"
        return candidate

    # --- values ----------------------------------------------------------------------
    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Tuple | ast.List):
            items = [self.value(e) for e in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.value(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](self.value(node.left), self.value(node.right))
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
        if isinstance(node, ast.Subscript):
            return self.value(node.value)[self.value(node.slice)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn = {"range": range, "reversed": reversed, "zip": zip, "list": list, "tuple": tuple,
                  "int": int, "float": float, "len": len}.get(node.func.id)  # fmt: skip
            if fn is not None and not node.keywords:
                result = fn(*(self.value(a) for a in node.args))
                return list(result) if isinstance(result, range | reversed | zip) else result
        line = getattr(node, "lineno", None)
        raise _Stop(
            Problem(
                ast.unparse(node)[:40],
                type(node).__name__,
                "value is not a literal planner can read without running the code",
                line,
            )
        )

    # --- the network ---------------------------------------------------------------
    def result(self) -> ImportResult:
        shape = self.shape or self.input_shape
        if shape is None:
            if self.framework == "torch" and self.first_channels is not None:
                rank = self.rank_hint() or 2
                shape = [self.first_channels, *_SYMBOLS.get(rank, ["H", "W"])]
                self.notes.append(
                    f"input shape {shape}: channels from the first layer; give --input for sizes"
                )
            else:
                raise SpecError(f"{self.source}: no input shape in the code; give --input")
        shape = [None if d is None else d for d in shape]
        if any(d is None for d in shape):
            rank = len(shape) - 1
            symbols = iter(_SYMBOLS.get(rank, []))
            shape = [next(symbols) if d is None else d for d in shape]
        data = {
            "name": "imported",
            "framework": self.framework,
            "input_shape": list(shape),
            "layers": self.layers,
        }
        return ImportResult(self.source, data, self.problems, self.notes)

    def rank_hint(self) -> int | None:
        for layer in self.layers:
            entry = TYPE_ALIASES.get(str(layer["type"]).lower())
            if entry and entry[1]:
                return entry[1]
        return None


def one_layer(text: str, input_shape: list[Any]) -> tuple[Any, Any]:
    """The one-layer network of a layer call on ``input_shape`` (no batch axis) and
    planner's result for it (output shape, per-side padding, formula).

    >>> net, result = one_layer("nn.Conv2d(3, 16, 3, stride=2, padding=1)", [3, 28, 28])
    >>> result.output_shape, result.padding
    ((16, 14, 14), [(1, 1), (1, 1)])
    """
    from planner.shapes import infer
    from planner.spec.loading import network_from_data

    framework, data, channels = layer_from_call(text)
    data["name"] = "layer"
    net = network_from_data(
        {"name": "layer", "framework": framework, "input_shape": input_shape, "layers": [data]},
        source="<layer>",
    )
    if (
        channels is not None
        and isinstance(net.input_channels, int)
        and channels != net.input_channels
    ):
        raise SpecError(
            f"the call takes {channels} input channels but --input "
            f"{','.join(map(str, input_shape))} has {net.input_channels} ({net.data_format})",
            layer="layer",
            field="in_channels",
        )
    return net, infer(net)[net.layers[0].name]
