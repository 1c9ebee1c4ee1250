"""Forward shape inference over a network's DAG, concrete or symbolic.

Sizes are ``int`` when everything is known, sympy expressions when an input size is
a symbol (``H``) or a field is an ``Unknown`` that has not been given a value.
Inference never stops at the first error: every layer is reported, those after a
failed one as skipped, so a user sees the shapes up to the problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from planner.dialects import AxisContext, Condition, Dialect, get_dialect
from planner.errors import PlannerError, ShapeError, SpecError
from planner.spec import layers as L
from planner.spec.network import Network
from planner.spec.values import Unknown
from planner.symbolic.affine import Lin
from planner.symbolic.ops import Dim, equal, is_int, printing, render, to_int, truth

AXIS_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def axis_names(rank: int) -> tuple[str, ...]:
    return AXIS_NAMES.get(rank, tuple(f"X{i}" for i in range(rank)))


@dataclass(frozen=True)
class Tensor:
    """A shape without the batch axis, in the network's data format."""

    dims: tuple[Dim, ...]
    channels_last: bool

    @property
    def spatial(self) -> tuple[Dim, ...]:
        if len(self.dims) < 2:
            return ()
        return self.dims[:-1] if self.channels_last else self.dims[1:]

    @property
    def channels(self) -> Dim:
        return self.dims[-1] if self.channels_last or len(self.dims) < 2 else self.dims[0]

    def with_spatial(self, spatial: tuple[Dim, ...], channels: Dim) -> Tensor:
        dims = (*spatial, channels) if self.channels_last else (channels, *spatial)
        return Tensor(dims, self.channels_last)


@dataclass
class LayerResult:
    """What one layer does to the shape, as the framework computes it."""

    name: str
    type: str
    inputs: list[str]
    output_shape: tuple[Dim, ...] | None = None
    params: Dim | None = None
    padding: list[tuple[Dim, Dim]] | None = None
    formula: str | None = None
    error: str | None = None
    conditions: list[Condition] = field(default_factory=list)
    spatial: tuple[Dim, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "inputs": list(self.inputs),
            "output_shape": _data(self.output_shape),
            "params": _data(self.params),
            "padding": _data(self.padding),
            "formula": self.formula,
            "error": self.error,
            "conditions": [c.message + f" ({render(c.expr)})" for c in self.conditions],
        }


@dataclass
class Inference:
    """Every layer's result, in network order, plus the input."""

    network: Network
    framework: str
    input_shape: tuple[Dim, ...]
    layers: list[LayerResult]

    @property
    def ok(self) -> bool:
        return all(layer.ok for layer in self.layers)

    @property
    def first_error(self) -> LayerResult | None:
        return next((layer for layer in self.layers if not layer.ok), None)

    @property
    def output(self) -> LayerResult | None:
        return self.layers[-1] if self.layers else None

    @property
    def output_shape(self) -> tuple[Dim, ...] | None:
        if not self.layers:
            return self.input_shape
        return self.layers[-1].output_shape

    @property
    def total_params(self) -> Dim:
        return sum((layer.params or 0 for layer in self.layers), 0)

    @property
    def input_spatial(self) -> tuple[Dim, ...]:
        return Tensor(self.input_shape, self.network.channels_last).spatial

    @property
    def sizes(self) -> dict[str, tuple[Dim, ...]]:
        """Spatial sizes by tensor name: the input and every layer that ran."""
        out = {self.network.input_name: self.input_spatial}
        for layer in self.layers:
            if layer.ok:
                out[layer.name] = layer.spatial
        return out

    @property
    def conditions(self) -> list[Condition]:
        return [c for layer in self.layers for c in layer.conditions]

    def __getitem__(self, name: str) -> LayerResult:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network.name,
            "framework": self.framework,
            "data_format": self.network.data_format,
            "input_shape": _data(self.input_shape),
            "output_shape": _data(self.output_shape),
            "total_params": _data(self.total_params),
            "ok": self.ok,
            "layers": [layer.to_dict() for layer in self.layers],
        }


def _data(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, tuple | list):
        return [_data(v) for v in value]
    if is_int(value):
        return value
    value = to_int(value)
    return value if is_int(value) else render(value)


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol planner uses for a size or an unknown called ``name``."""
    return sympy.Symbol(name, integer=True)


class _Resolver:
    """Turns spec values (ints, unknowns, symbols) into ints or sympy symbols."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = values

    def __call__(self, value: Any) -> Any:
        if type(value) is int:
            return value
        if isinstance(value, Unknown):
            if value.name in self.values:
                return self.values[value.name]
            if value.choices is not None:
                raise SpecError(
                    f"'{value}' chooses between {list(value.choices)}; forward inference needs "
                    "a value for it (solve the network instead)"
                )
            return symbol(value.name)
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, str) and value and value[0].isalpha() and value not in L.PADDING_MODES:
            return symbol(value)
        return value


def infer(
    net: Network,
    *,
    input_shape: list[Any] | tuple[Any, ...] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Inference:
    """Compute every layer's output shape, parameters, padding and derivation.

    ``input_shape`` overrides the network's (same data format, no batch axis);
    ``values`` gives unknowns a value (``{"p": 1}``); unknowns without one, and
    symbolic sizes like ``H``, give formulas.

    >>> from planner.spec.network import Network
    >>> net = Network.model_validate({"name": "n", "input_shape": [28, 28, 1], "layers": [
    ...     {"type": "MaxPooling2D", "pool_size": 2, "padding": "same"}]})
    >>> result = infer(net)
    >>> result.output_shape, result.layers[0].formula
    ((14, 14, 1), 'ceil(28/2) = 14')
    """
    resolve = _Resolver(values or {})
    dialect = get_dialect(net.framework)
    dims = list(input_shape) if input_shape is not None else list(net.input_shape)
    if len(dims) != len(net.input_shape):
        raise SpecError(
            f"input shape {list(dims)} has {len(dims)} axes; network '{net.name}' needs "
            f"{len(net.input_shape)} ({net.data_format}, without the batch axis)",
            field="input_shape",
        )
    for d in dims:
        if is_int(d) and d < 1:
            raise SpecError(f"input sizes must be >= 1, received {list(dims)}", field="input_shape")
    start = Tensor(tuple(resolve(d) for d in dims), net.channels_last)
    tensors: dict[str, Tensor | None] = {net.input_name: start}
    results: list[LayerResult] = []
    names = axis_names(net.rank)
    for layer in net.layers:
        assert layer.name is not None and layer.inputs is not None
        result = LayerResult(layer.name, layer.type, list(layer.inputs))
        ins = [tensors.get(i) for i in layer.inputs]
        if any(t is None for t in ins):
            failed = [i for i, t in zip(layer.inputs, ins, strict=True) if t is None]
            result.error = f"skipped: its input {', '.join(repr(f) for f in failed)} has an error"
            tensors[layer.name] = None
            results.append(result)
            continue
        try:
            out = _apply(layer, ins, dialect, resolve, names, result)  # type: ignore[arg-type]
        except PlannerError as exc:
            exc = exc.with_context(layer=layer.name)
            result.error = exc.message + (f" [field '{exc.field}']" if exc.field else "")
            tensors[layer.name] = None
        else:
            tensors[layer.name] = out
            result.output_shape = out.dims
            result.spatial = out.spatial
        results.append(result)
    return Inference(net, net.framework, start.dims, results)


def apply_layer(
    layer: Any,
    ins: list[Tensor],
    dialect: Dialect,
    values: Mapping[str, Any],
    names: tuple[str, ...],
) -> tuple[Tensor, LayerResult]:
    """One layer on given input tensors (the solver's step); raises ``PlannerError``."""
    result = LayerResult(layer.name, layer.type, list(layer.inputs))
    out = _apply(layer, ins, dialect, _Resolver(values), names, result)
    result.output_shape = out.dims
    result.spatial = out.spatial
    return out, result


def input_tensor(net: Network, values: Mapping[str, Any], dims: list[Any] | None = None) -> Tensor:
    resolve = _Resolver(values)
    return Tensor(tuple(resolve(d) for d in (dims or net.input_shape)), net.channels_last)


def _prod(values: tuple[Dim, ...]) -> Dim:
    if all(is_int(v) for v in values):
        return math.prod(values)  # type: ignore[arg-type]
    if any(isinstance(v, Lin) for v in values):
        out: Any = 1
        for v in values:
            out = v * out
        return out
    return to_int(sympy.Mul(*values))


def _apply(
    layer: Any,
    ins: list[Tensor],
    dialect: Dialect,
    resolve: _Resolver,
    names: tuple[str, ...],
    result: LayerResult,
) -> Tensor:
    x = ins[0]
    kind = layer.type
    if kind == "activation":
        result.params = dialect.activation_params(layer, x.dims)
        return x
    if kind == "dropout":
        return x
    if kind == "batch_norm":
        result.params = dialect.batch_norm_params(layer, x.channels)
        return x
    if kind in ("concatenate", "add"):
        return _merge(layer, ins, names, result, dialect)
    if kind == "flatten":
        return Tensor((_prod(x.dims),), x.channels_last)
    if kind == "dense":
        last = x.dims[-1]
        result.params = last * layer.units + (layer.units if layer.use_bias else 0)
        return Tensor((*x.dims[:-1], layer.units), x.channels_last)
    if kind == "reshape":
        return _reshape(layer, x)
    if kind == "global_pool":
        _need_spatial(layer, x)
        spatial = (1,) * len(x.spatial) if layer.keepdims else ()
        return (
            x.with_spatial(spatial, x.channels)
            if spatial
            else Tensor((x.channels,), x.channels_last)
        )

    _need_spatial(layer, x)
    mode = getattr(layer, "padding_mode", "zeros")
    unknowns = layer.has_unknowns
    view = _Resolved(layer, resolve) if unknowns else layer
    ctx_list = [
        AxisContext(layer.name, a, rank=len(names), padding_mode=mode, spec=view) for a in names
    ]
    if unknowns:
        dialect.check_layer(view, ctx_list[0])
    else:
        # Whole-layer checks read only the layer's own fields: decide them once.
        key = ("check", dialect.name, len(names))
        verdict = layer.memo.get(key, _UNCHECKED)
        if verdict is _UNCHECKED:
            try:
                dialect.check_layer(layer, ctx_list[0])
                verdict = None
            except PlannerError as exc:
                verdict = exc
            layer.memo[key] = verdict
        if verdict is not None:
            raise verdict
    axes = []
    done: dict[Any, Any] = {}
    signatures = layer.axis_signatures
    for i, (n, ctx) in enumerate(zip(x.spatial, ctx_list, strict=True)):
        # Axes with the same size and the same parameters give the same result (a
        # square input through a square kernel): compute it once.
        key = (n, signatures[i]) if type(n) is int and not unknowns else None
        if key is not None and key in done:
            axes.append(done[key])
            continue
        axis = _axis(layer, dialect, resolve, ctx, n, i)
        if key is not None:
            done[key] = axis
        axes.append(axis)
    for ctx in ctx_list:
        if ctx.conditions:
            result.conditions.extend(ctx.conditions)
    spatial = tuple(a.size for a in axes)
    result.padding = [a.pad for a in axes] if axes[0].pad is not None else None
    if printing():
        formulas = [a.formula for a in axes]
        if len(set(formulas)) == 1:
            result.formula = formulas[0]
        else:
            result.formula = "; ".join(f"{n}: {f}" for n, f in zip(names, formulas, strict=True))
    channels = _channels(layer, x.channels, dialect, result, resolve)
    return x.with_spatial(spatial, channels)


_UNCHECKED = object()


class _Resolved:
    """A layer view whose per-axis fields are resolved (unknowns as values/symbols)."""

    def __init__(self, layer: Any, resolve: _Resolver):
        self._layer = layer
        self._resolve = resolve

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._layer, name)
        if name in ("type", "name"):
            return value
        return self._resolve(value) if isinstance(value, tuple | Unknown) else value


def _need_spatial(layer: Any, x: Tensor) -> None:
    if not x.spatial:
        raise ShapeError(
            f"a {layer.type} layer needs spatial axes, but its input has shape "
            f"{_data(x.dims)} (flattened)",
            layer=layer.name,
        )


def _axis(
    layer: Any, dialect: Dialect, resolve: _Resolver, ctx: AxisContext, n: Dim, i: int
) -> Any:
    if layer.has_unknowns:

        def at(f: str) -> Any:
            value = getattr(layer, f)
            return None if value is None else resolve(value[i])
    else:

        def at(f: str) -> Any:
            value = getattr(layer, f)
            return None if value is None else value[i]

    padding = layer.padding if "padding" in layer.pad_fields else None
    if isinstance(padding, Unknown):
        padding = resolve(padding)
    if isinstance(padding, tuple):
        padding = tuple(resolve(p) for p in padding[i])
    kind = layer.type
    if kind in ("conv", "depthwise_conv", "separable_conv"):
        return dialect.conv_axis(ctx, n, at("kernel_size"), at("strides"), at("dilation"), padding)
    if kind == "conv_transpose":
        return dialect.conv_transpose_axis(
            ctx,
            n,
            at("kernel_size"),
            at("strides"),
            at("dilation"),
            padding,
            at("output_padding"),
            at("output_size"),
        )
    if kind in ("max_pool", "avg_pool"):
        k = at("pool_size")
        s = at("strides") if layer.strides is not None else dialect.pool_stride(k)
        ceil_mode = resolve(layer.ceil_mode)
        if not isinstance(ceil_mode, bool):
            raise SpecError("ceil_mode must be true or false here", field="ceil_mode")
        return dialect.pool_axis(
            ctx, n, k, s, at("dilation"), padding, ceil_mode, "max" if kind == "max_pool" else "avg"
        )
    if kind == "upsample":
        return dialect.upsample_axis(ctx, n, at("scale"), at("output_size"))
    if kind == "zero_padding":
        before, after = padding
        return dialect.zero_pad_axis(ctx, n, before, after)
    if kind == "cropping":
        crop = layer.cropping[i]
        return dialect.crop_axis(ctx, n, resolve(crop[0]), resolve(crop[1]))
    raise ShapeError(f"no shape rule for layer type {kind!r}", layer=layer.name)


def _channels(
    layer: Any, cin: Dim, dialect: Dialect, result: LayerResult, resolve: _Resolver
) -> Dim:
    kind = layer.type
    if kind not in ("conv", "conv_transpose", "depthwise_conv", "separable_conv"):
        return cin
    # Channels and parameters depend on the kernel, not on padding or strides.
    cacheable = type(cin) is int and not any(isinstance(k, Unknown) for k in layer.kernel_size)
    if cacheable and cin in layer.memo:
        cout, result.params = layer.memo[cin]
        return cout
    cout = _compute_channels(layer, cin, result, resolve)
    if cacheable:
        layer.memo[cin] = (cout, result.params)
    return cout


def _compute_channels(layer: Any, cin: Dim, result: LayerResult, resolve: _Resolver) -> Dim:
    kind = layer.type
    kprod = _prod(tuple(resolve(k) for k in layer.kernel_size))
    if kind == "depthwise_conv":
        cout = cin * layer.depth_multiplier
        result.params = kprod * cout + (cout if layer.use_bias else 0)
        return cout
    if kind == "separable_conv":
        mid = cin * layer.depth_multiplier
        result.params = kprod * mid + mid * layer.filters + (layer.filters if layer.use_bias else 0)
        return layer.filters
    groups = layer.groups
    if is_int(cin) and cin % groups:
        raise ShapeError(
            f"{cin} input channels are not divisible by groups={groups}",
            layer=layer.name,
            field="groups",
        )
    if layer.filters % groups:
        raise ShapeError(
            f"filters={layer.filters} is not divisible by groups={groups}",
            layer=layer.name,
            field="groups",
        )
    if kind == "conv":
        weights = kprod * (cin // groups if is_int(cin) else cin / groups) * layer.filters
    else:
        weights = kprod * cin * (layer.filters // groups)
    result.params = to_int(weights) + (layer.filters if layer.use_bias else 0)
    return layer.filters


def _merge(
    layer: Any, ins: list[Tensor], names: tuple[str, ...], result: LayerResult, dialect: Dialect
) -> Tensor:
    """Concatenate (sizes add on the axis, must agree elsewhere) or an element-wise
    merge (sizes must agree, except that a size of 1 broadcasts, as every framework's
    element-wise ops do)."""
    first = ins[0]
    if any(len(t.dims) != len(first.dims) for t in ins):
        shapes = ", ".join(f"{n} {_data(t.dims)}" for n, t in zip(layer.inputs, ins, strict=True))
        raise ShapeError(f"cannot merge tensors of different ranks: {shapes}", layer=layer.name)
    ndim = len(first.dims)
    if layer.type == "concatenate":
        if layer.axis is None:
            axis = ndim - 1 if first.channels_last or dialect.concat_default_last else 0
        else:
            # Framework convention: axis 0 is the batch axis.
            axis = layer.axis if layer.axis < 0 else layer.axis - 1
            if layer.axis == 0 or not -ndim <= axis < ndim:
                raise ShapeError(
                    f"axis {layer.axis} is not a feature axis of a {ndim + 1}-D tensor "
                    f"(batch axis included); valid: 1..{ndim} or -{ndim}..-1",
                    layer=layer.name,
                    field="axis",
                )
            axis %= ndim
    else:
        axis = None
    labels = _dim_labels(first, names)
    out_dims = list(first.dims)
    for j in range(ndim):
        if j == axis:
            continue
        sizes = [t.dims[j] for t in ins]
        sources = list(layer.inputs)
        if axis is None:
            # Element-wise: a size of exactly 1 broadcasts against the others.
            kept = [
                (n, d) for n, d in zip(sources, sizes, strict=True) if not (is_int(d) and d == 1)
            ]
            if kept and len(kept) < len(sizes):
                sources, sizes = [n for n, _ in kept], [d for _, d in kept]
                out_dims[j] = sizes[0]
        base = sizes[0]
        for name, other in zip(sources[1:], sizes[1:], strict=True):
            same = equal(base, other)
            decided = truth(same)
            if decided is True:
                continue
            if decided is False:
                raise ShapeError(
                    f"{sources[0]} is {render(base)}, {name} is {render(other)} on axis "
                    f"{labels[j]}; a {layer.type} needs them equal"
                    + ("" if axis is not None else " (or one of them 1)"),
                    layer=layer.name,
                )
            result.conditions.append(
                Condition(
                    same,
                    f"{sources[0]} and {name} must agree on axis {labels[j]}",
                    layer.name,
                    axis=labels[j],
                )
            )
    if axis is None:
        return Tensor(tuple(out_dims), first.channels_last)
    total = sum((t.dims[axis] for t in ins), 0)
    out_dims[axis] = to_int(total)
    return Tensor(tuple(out_dims), first.channels_last)


def _dim_labels(t: Tensor, names: tuple[str, ...]) -> list[str]:
    if len(t.dims) == len(names) + 1:
        return [*names, "C"] if t.channels_last else ["C", *names]
    return [f"#{j + 1}" for j in range(len(t.dims))]


def _reshape(layer: Any, x: Tensor) -> Tensor:
    target = list(layer.target_shape)
    total = _prod(x.dims)
    if target.count(-1) > 1:
        raise ShapeError(
            "target_shape may contain -1 only once", layer=layer.name, field="target_shape"
        )
    if any(t == 0 or t < -1 for t in target):
        raise ShapeError(
            f"target_shape entries must be >= 1 or -1, received {target}",
            layer=layer.name,
            field="target_shape",
        )
    known = math.prod(t for t in target if t != -1)
    if -1 in target:
        if is_int(total) and total % known:
            raise ShapeError(
                f"cannot reshape {total} values into {target}: {total} is not divisible by {known}",
                layer=layer.name,
                field="target_shape",
            )
        target[target.index(-1)] = (
            to_int(total // known) if is_int(total) else to_int(total / known)
        )
    elif is_int(total) and known != total:
        raise ShapeError(
            f"cannot reshape {_data(x.dims)} ({total} values) into {target} ({known} values)",
            layer=layer.name,
            field="target_shape",
        )
    return Tensor(tuple(target), x.channels_last)
