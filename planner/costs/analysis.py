"""Cost and receptive field of every layer of an inferred network.

``cost`` reads what ``planner.infer`` computed (each layer's output shape,
parameters and resolved padding) and the layer specs (kernels, strides, groups); it
never derives a shape itself. The rules live in :mod:`planner.costs.rules` and
:mod:`planner.costs.receptive`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from operator import attrgetter
from typing import Any

from planner.costs import receptive as rf
from planner.costs import rules
from planner.dialects import get_dialect
from planner.errors import SpecError
from planner.shapes import Inference, LayerResult, Tensor, infer
from planner.spec.network import Network
from planner.spec.values import Unknown
from planner.symbolic.ops import Dim, is_int, render, symbol, to_int


@dataclass
class LayerCost:
    """One layer's cost and reach. ``None`` where the layer did not run, or (for the
    receptive field) where ``rf_note`` says why it cannot be followed."""

    name: str
    type: str
    macs: Dim | None = None
    flops: Dim | None = None
    ops: Dim | None = None
    activation_bytes: Dim | None = None
    param_bytes: Dim | None = None
    receptive_field: tuple[Dim | None, ...] | None = None
    jump: tuple[Fraction, ...] | None = None
    rf_centre: tuple[Any, ...] | None = None
    rf_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "macs": _data(self.macs),
            "flops": _data(self.flops),
            "ops": _data(self.ops),
            "activation_bytes": _data(self.activation_bytes),
            "param_bytes": _data(self.param_bytes),
            "receptive_field": _data(self.receptive_field),
            "jump": _data(self.jump),
            "rf_centre": _data(self.rf_centre),
            "rf_note": self.rf_note,
        }


@dataclass
class CostResult:
    """Every layer's cost for a dtype and batch size (counts too are for the batch),
    and the totals.

    - ``total_macs`` / ``total_flops`` (``2 * MACs``) / ``total_ops`` (pooling,
      merges, interpolation: see :mod:`planner.costs.rules`);
    - ``activation_bytes``: every layer's output for the batch, all kept, as training
      keeps them for the backward pass;
    - ``peak_bytes``: the most held at once by a forward pass that frees each output
      after its last use (the input batch is held throughout);
    - ``input_bytes`` and ``param_bytes`` (parameters once, in ``dtype``).
    """

    inference: Inference
    dtype: str
    batch: int
    layers: list[LayerCost]
    input_bytes: Dim
    peak_bytes: Dim | None
    total_params: Dim
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dtype_bytes(self) -> int:
        return rules.DTYPE_BYTES[self.dtype]

    @property
    def total_macs(self) -> Dim:
        return _total(layer.macs for layer in self.layers)

    @property
    def total_flops(self) -> Dim:
        return rules.flops(self.total_macs)

    @property
    def total_ops(self) -> Dim:
        return _total(layer.ops for layer in self.layers)

    @property
    def activation_bytes(self) -> Dim:
        return _total(layer.activation_bytes for layer in self.layers)

    @property
    def param_bytes(self) -> Dim:
        return to_int(self.total_params * self.dtype_bytes)

    @property
    def output(self) -> LayerCost | None:
        return self.layers[-1] if self.layers else None

    def __getitem__(self, name: str) -> LayerCost:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def totals(self) -> dict[str, Any]:
        """The top-level figures, as ``show --json`` prints them."""
        return {
            "dtype": self.dtype,
            "batch": self.batch,
            "total_macs": _data(self.total_macs),
            "total_flops": _data(self.total_flops),
            "total_ops": _data(self.total_ops),
            "activation_bytes": _data(self.activation_bytes),
            "peak_bytes": _data(self.peak_bytes),
            "input_bytes": _data(self.input_bytes),
            "param_bytes": _data(self.param_bytes),
        }

    def to_dict(self) -> dict[str, Any]:
        """The inference's dict with every layer's cost fields and the totals added."""
        data = self.inference.to_dict()
        for item, layer in zip(data["layers"], self.layers, strict=True):
            item.update(layer.to_dict())
        data.update(self.totals())
        return data


def cost(
    source: Network | Inference,
    *,
    dtype: str = "float32",
    batch: int = 1,
    input_shape: list[Any] | tuple[Any, ...] | None = None,
) -> CostResult:
    """MACs, FLOPs, other ops, memory and receptive field of every layer.

    ``source`` is a network (inferred here, at ``input_shape`` if given) or an
    inference already computed. Symbolic input sizes (``H``) give formulas.

    >>> import planner
    >>> c = planner.cost(planner.load("unet-original"), batch=2)
    >>> c["conv1_1"].macs, c.output.receptive_field, c.output.jump
    (374284800, (204, 204), (Fraction(1, 1), Fraction(1, 1)))
    >>> c = planner.cost(planner.load("unet-original"), input_shape=["H", "H", 1])
    >>> c["conv1_1"].macs
    576*(H - 2)**2
    """
    if dtype not in rules.DTYPE_BYTES:
        raise SpecError(
            f"unknown dtype {dtype!r}; valid: {', '.join(rules.DTYPE_BYTES)}", field="dtype"
        )
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise SpecError(
            f"the batch size must be an integer >= 1, received {batch!r}", field="batch"
        )
    if not isinstance(source, Network | Inference):
        from planner.arguments import require_network

        require_network(source, "planner.cost")
    if isinstance(source, Inference):
        if input_shape is not None:
            raise SpecError("give input_shape with a network, not with an inference")
        inference = source
    else:
        inference = infer(source, input_shape=input_shape)
    return _Walk(inference, dtype, batch).run()


class _Walk:
    def __init__(self, inference: Inference, dtype: str, batch: int):
        self.inference = inference
        self.net = inference.network
        self.dtype = dtype
        self.batch = batch
        self.width = rules.DTYPE_BYTES[dtype]
        self.dialect = get_dialect(self.net.framework)
        self.rank = self.net.rank
        self.channels_last = self.net.channels_last
        input_tensor = Tensor(inference.input_shape, self.channels_last)
        self.tensors: dict[str, Tensor | None] = {self.net.input_name: input_tensor}
        self.maps: dict[str, list[rf.AxisMap] | str] = {
            # One map for every axis: axes that stay alike share their maps (_alike).
            self.net.input_name: [rf.identity()] * self.net.rank
        }
        self.input_spatial = input_tensor.spatial

    def run(self) -> CostResult:
        layers = []
        for spec, result in zip(self.net.layers, self.inference.layers, strict=True):
            layers.append(self.layer(spec, result))
        input_bytes = rules.tensor_bytes(
            rules.prod(self.inference.input_shape), self.batch, self.width
        )
        return CostResult(
            self.inference,
            self.dtype,
            self.batch,
            layers,
            input_bytes,
            self.peak(layers, input_bytes),
            self.inference.total_params,
        )

    def layer(self, spec: Any, result: LayerResult) -> LayerCost:
        out = LayerCost(result.name, result.type)
        ins = [self.tensors.get(i) for i in result.inputs]
        if not result.ok or any(t is None for t in ins) or result.output_shape is None:
            self.tensors[result.name] = None
            self.maps[result.name] = "its input has an error"
            return out
        y = Tensor(result.output_shape, self.channels_last)
        self.tensors[result.name] = y
        numel = rules.prod(y.dims)
        # Counts for the whole batch, as memory is.
        out.macs = to_int(self.batch * _macs(spec, ins, y))  # type: ignore[arg-type]
        out.flops = rules.flops(out.macs)
        out.ops = to_int(self.batch * self.ops(spec, ins, y, numel))  # type: ignore[arg-type]
        out.activation_bytes = rules.tensor_bytes(numel, self.batch, self.width)
        out.param_bytes = to_int((result.params or 0) * self.width)
        self.receptive(spec, result, ins, y, out)  # type: ignore[arg-type]
        return out

    # --- operations without weights ------------------------------------------------
    def ops(self, spec: Any, ins: list[Tensor], y: Tensor, numel: Dim) -> Dim:
        kind = spec.type
        if kind == "max_pool":
            return rules.max_pool_ops(numel, spec.pool_size)
        if kind == "avg_pool":
            return rules.avg_pool_ops(numel, spec.pool_size)
        if kind == "global_pool":
            return rules.global_pool_ops(rules.prod(ins[0].dims), ins[0].channels, spec.op)
        if kind == "upsample":
            return rules.upsample_ops(numel, self.rank, spec.mode)
        if kind == "add":
            return rules.merge_ops(numel, len(ins), spec.op)
        return 0

    # --- receptive field ---------------------------------------------------------------
    def receptive(
        self, spec: Any, result: LayerResult, ins: list[Tensor], y: Tensor, out: LayerCost
    ) -> None:
        before = [self.maps[i] for i in result.inputs]
        for b in before:
            if isinstance(b, str):  # an input's field was not followed: why
                maps: list[rf.AxisMap] | str = b
                break
        else:
            try:
                maps = self.follow(spec, result, ins, y, before)  # type: ignore[arg-type]
            except rf.Unmapped as exc:
                maps = str(exc)
        self.maps[result.name] = maps
        if isinstance(maps, str):
            out.rf_note = maps
            return
        n = self.input_spatial
        figures = _alike((maps, n), lambda a: rf.figures(maps[a], n[a]))
        sizes, jumps, centres = zip(*figures) if figures else ((), (), ())  # noqa: B905
        out.receptive_field = sizes
        if not any(map(_WHOLE, maps)):
            out.jump, out.rf_centre = jumps, centres

    def follow(
        self,
        spec: Any,
        result: LayerResult,
        ins: list[Tensor],
        y: Tensor,
        before: list[list[rf.AxisMap]],
    ) -> list[rf.AxisMap]:
        kind = spec.type
        rank = self.rank
        m = before[0]
        if kind in ("flatten", "dense", "reshape", "global_pool") or len(y.spatial) != rank:
            return [rf.WHOLE] * rank
        if kind in ("activation", "dropout", "batch_norm"):
            return m
        if kind == "norm":
            # Layer norm over channels is per position; group, instance and layer
            # norm over spatial axes use statistics of the whole map.
            per_position = spec.norm == "layer" and spec.normalized_shape is None
            return m if per_position and self.channels_last else [rf.WHOLE] * rank
        if kind == "pixel_shuffle":
            r = spec.factor
            if spec.inverse:
                return [rf.window(m[a], r, r, 1, 0) for a in range(rank)]
            return [rf.nearest(m[a], r) for a in range(rank)]
        if kind == "permute":
            raise rf.Unmapped("a permute may reorder spatial axes; not followed")
        if kind in ("concatenate", "add"):
            return [rf.union([b[a] for b in before]) for a in range(rank)]
        # Padding (or cropping, when negative) before each axis's first position.
        befores = [p[0] for p in result.padding] if result.padding else [0] * rank
        if kind in ("conv", "depthwise_conv", "separable_conv", "max_pool", "avg_pool"):
            k = spec.kernel_size if kind not in ("max_pool", "avg_pool") else spec.pool_size
            s = spec.strides if spec.strides is not None else self.dialect.pool_stride(k)
            s = s if isinstance(s, tuple) else (s,) * rank
            d = spec.dilation
            return _alike(
                (m, k, s, d, befores),
                lambda a: rf.window(m[a], _int(k[a]), _int(s[a]), _int(d[a]), befores[a]),
            )
        if kind == "conv_transpose":
            k, s, d = spec.kernel_size, spec.strides, spec.dilation
            return _alike(
                (m, k, s, d, befores),
                lambda a: rf.transpose(m[a], _int(k[a]), _int(s[a]), _int(d[a]), befores[a]),
            )
        if kind in ("zero_padding", "cropping", "crop_to"):
            if not all(is_int(p) for p in befores):
                raise rf.Unmapped("a run-time crop by an amount that depends on the size")
            return _alike((m, befores), lambda a: rf.shifted(m[a], befores[a]))
        if kind == "upsample":
            n_in, n_out = ins[0].spatial, y.spatial
            scale = spec.scale if spec.scale is not None else (None,) * rank
            return _alike(
                (m, n_in, n_out, scale),
                lambda a: self.upsample(spec, m[a], n_in[a], n_out[a], a),
            )
        raise rf.Unmapped(f"no receptive-field rule for a {kind} layer")

    def upsample(self, spec: Any, m: rf.AxisMap, n_in: Dim, n_out: Dim, axis: int) -> rf.AxisMap:
        mode = spec.mode.lower()
        scale: Any = spec.scale[axis] if spec.scale is not None else None
        if scale is None and is_int(n_in) and is_int(n_out) and n_out % n_in == 0:
            scale = n_out // n_in  # an output size that is an exact multiple
        if isinstance(scale, float) and scale.is_integer():
            scale = int(scale)
        if not is_int(scale):
            raise rf.Unmapped(
                f"upsampling by {render(scale) if scale is not None else 'a fixed size'} "
                "maps pixels unevenly; only integer factors are followed"
            )
        if mode in ("nearest", "nearest-exact", "nearest_exact"):
            return rf.nearest(m, scale)
        if mode in ("linear", "bilinear", "trilinear") and not spec.align_corners:
            return rf.linear(m, scale)
        raise rf.Unmapped(
            f"upsampling mode {spec.mode!r}"
            + (" with align_corners" if spec.align_corners else "")
            + " is not followed (nearest, and linear with half-pixel centres, are)"
        )

    # --- memory ------------------------------------------------------------------
    def peak(self, layers: list[LayerCost], input_bytes: Dim) -> Dim | None:
        """The most bytes live at once: the input, each output until its last use,
        the network's outputs to the end. ``None`` for symbolic sizes: which step
        holds the most depends on the size (ask at a number)."""
        if any(not is_int(layer.activation_bytes) for layer in layers):
            return None
        last: dict[str, int] = {}
        for i, spec in enumerate(self.net.layers):
            for name in spec.sources:
                last[name] = i
        end = len(layers)
        # Output j is live at steps j..last use (the end if nothing reads it): one
        # sweep adds it at step j and drops it after its last use.
        freed = [0] * (end + 1)
        live = input_bytes
        peak = input_bytes
        for i, layer in enumerate(layers):
            size: int = layer.activation_bytes  # type: ignore[assignment]
            until = last.get(layer.name, end)
            if until >= i:
                live += size
                freed[min(until, end - 1) + 1] += size
            peak = max(peak, live)
            live -= freed[i + 1]
        return peak


def _macs(spec: Any, ins: list[Tensor], y: Tensor) -> Dim:
    kind = spec.type
    x = ins[0]
    if kind == "conv":
        k = _kernel(spec)
        return rules.conv_macs(y.spatial, k, x.channels, y.channels, spec.groups)
    if kind == "depthwise_conv":
        return rules.depthwise_macs(y.spatial, _kernel(spec), y.channels)
    if kind == "separable_conv":
        mid = x.channels * spec.depth_multiplier
        return rules.separable_macs(y.spatial, _kernel(spec), mid, y.channels)
    if kind == "conv_transpose":
        return rules.conv_transpose_macs(
            x.spatial, _kernel(spec), x.channels, y.channels, spec.groups
        )
    if kind == "dense":
        return rules.dense_macs(x.dims, spec.units)
    return 0


def _kernel(spec: Any) -> tuple[int, ...]:
    return tuple(map(_int, spec.kernel_size))


def _alike(per_axis: tuple[Sequence[Any], ...], make: Callable[[int], Any]) -> list[Any]:
    """``[make(a) for a in range(rank)]``, made once when every axis has the same
    values in each of ``per_axis`` (the map before, the kernel, ...): a square input
    through square kernels, as in most networks, maps every axis alike."""
    rank = len(per_axis[0])
    if rank == 0:
        return []
    for values in per_axis:
        if values.count(values[0]) != rank:
            return [make(a) for a in range(rank)]
    return [make(0)] * rank


_WHOLE = attrgetter("whole")  # whether an axis map sees the whole input


def _int(value: Any) -> Any:
    """A field's value; an unknown (``?k``) as its symbol, so counts become formulas."""
    return symbol(value.name) if isinstance(value, Unknown) else value


def _total(values: Any) -> Dim:
    total: Dim = 0
    for v in values:
        if v is not None:
            total = total + v
    return to_int(total)


def _data(value: Any) -> Any:
    """JSON: ints stay ints, fractions become floats (or ints), formulas strings."""
    kind = type(value)
    if kind is int or value is None or kind is bool:
        return value
    if isinstance(value, Fraction):  # a jump or a centre, before the slower checks
        # int(value) or float(value) (numbers.Rational: numerator / denominator),
        # from one call rather than three.
        numerator, denominator = value.as_integer_ratio()
        return numerator if denominator == 1 else numerator / denominator
    if kind is tuple or kind is list or isinstance(value, tuple | list):
        return [v if type(v) is int else _data(v) for v in value]
    if is_int(value):
        return value
    value = to_int(value)
    return value if is_int(value) else render(value)
