"""Build a planner ``Network`` as a PyTorch ``nn.Module``.

``to_torch`` returns a ``NetworkModule`` whose forward walks the network's DAG in
order; each planner layer is one submodule (``module.layer(name)``), so forward
hooks see every layer's output. In-channels and in-features come from planner's own
inference (``planner.infer``), the way a user would read them off its table.

Tensors between layers keep the network's data format. PyTorch computes in
channels-first, so on a channels-last network (Keras, Flax) each spatial layer
moves the channel axis in and out around its operation (``_ChannelsLast``).
Where PyTorch has no argument for the network's padding (per-side amounts that
differ, Keras ``'same'`` with strides, ``'causal'``, ONNX ``SAME_LOWER``), an
``F.pad`` with the amounts planner resolved runs first (``-inf`` for max pooling;
negative amounts crop the full output of a transposed convolution).

This module imports torch; ``planner.export`` imports it only when ``to_torch`` is
first used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from planner.dialects import get_dialect
from planner.errors import SpecError
from planner.export import (
    activation_key,
    adaptive_sizes,
    check_buildable,
    check_jax_only,
    gelu_approximate,
    leaky_slope,
    resolved_pads,
)

if TYPE_CHECKING:
    from planner.shapes import Inference
    from planner.spec.network import Network


def to_torch(
    net: Network, device: str | torch.device = "cpu", *, inference: Inference | None = None
) -> NetworkModule:
    """An ``nn.Module`` computing ``net``; parameters are created on ``device``.

    In-channels come from ``planner.infer(net)``; pass ``inference`` to reuse one
    already computed for this network.

    On ``device="meta"`` no memory is allocated and a forward on
    ``torch.empty(1, *shape, device="meta")`` gives every layer's shape at once.
    Raises ``SpecError`` for networks that cannot be built (unknowns, symbolic
    sizes, activations without a mapping, a layer whose input planner could not
    infer); what PyTorch itself refuses raises PyTorch's own error.

    >>> import planner, torch
    >>> module = to_torch(planner.load("dcgan-discriminator"), device="meta")
    >>> module(torch.empty(1, 3, 64, 64, device="meta")).shape
    torch.Size([1, 1, 1, 1])
    """
    check_buildable(net)
    check_jax_only(net, "torch")
    if inference is None:
        from planner.shapes import infer

        inference = infer(net)
    elif inference.network is not net:
        raise SpecError("the inference passed to to_torch is of another network")
    with torch.device(device):
        builder = _TorchBuilder(net, inference)
        blocks = {layer.name: builder.build(layer) for layer in net.layers}
    return NetworkModule(net, blocks)


class NetworkModule(nn.Module):
    """A planner network as a module: one submodule per layer, run in order.

    ``forward`` takes the input tensor (batch axis first, then the network's
    ``input_shape``) and returns the output of the one layer nothing consumes, or
    a tuple of them when there are several.
    """

    def __init__(self, net: Network, blocks: dict[str, nn.Module]):
        super().__init__()
        self.input_name = net.input_name
        self.layer_names: list[str] = list(net.layer_names)
        self.blocks = nn.ModuleDict()
        self._keys: dict[str, str] = {}
        self._inputs: dict[str, list[str]] = {}
        for layer in net.layers:
            assert layer.name is not None and layer.inputs is not None
            key = _module_key(layer.name, set(self.blocks.keys()))
            self._keys[layer.name] = key
            self._inputs[layer.name] = layer.sources  # a crop_to reads its reference too
            self.blocks[key] = blocks[layer.name]
        consumed = {i for ins in self._inputs.values() for i in ins}
        self.output_names = [n for n in self.layer_names if n not in consumed] or [self.input_name]
        # When each tensor is used for the last time, so forward can drop it.
        self._last_use: dict[str, str] = {}
        for name in self.layer_names:
            for i in self._inputs[name]:
                self._last_use[i] = name

    def layer(self, name: str) -> nn.Module:
        """The submodule of the planner layer ``name``."""
        try:
            return self.blocks[self._keys[name]]
        except KeyError:
            raise SpecError(
                f"no layer named '{name}'; layers: {', '.join(self.layer_names)}", layer=name
            ) from None

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        values: dict[str, torch.Tensor] = {self.input_name: x}
        keep = set(self.output_names)
        for name in self.layer_names:
            ins = self._inputs[name]
            values[name] = self.blocks[self._keys[name]](*(values[i] for i in ins))
            for i in ins:
                if self._last_use.get(i) == name and i not in keep:
                    values.pop(i, None)
        outs = tuple(values[n] for n in self.output_names)
        return outs[0] if len(outs) == 1 else outs


def _module_key(name: str, taken: set[str]) -> str:
    # ModuleDict keys may not contain '.' nor be empty.
    key = name.replace(".", "_") or "layer"
    while key in taken:
        key += "_"
    return key


# --- small modules ---------------------------------------------------------------------


class _ChannelsLast(nn.Module):
    """Runs a channels-first module on a channels-last tensor."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.inner(x.movedim(-1, 1))
        return y.movedim(1, -1) if y.dim() > 2 else y


class _Pad(nn.Module):
    """``F.pad`` with per-axis ``(before, after)`` pairs (first spatial axis first)."""

    def __init__(self, pairs: list[tuple[int, int]], mode: str = "constant", value: float = 0.0):
        super().__init__()
        # F.pad lists the last axis first.
        self.pad = [amount for pair in reversed(pairs) for amount in pair]
        self.mode = mode
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "constant":
            return F.pad(x, self.pad, value=self.value)
        return F.pad(x, self.pad, mode=self.mode)

    def extra_repr(self) -> str:
        return f"pad={self.pad}, mode={self.mode!r}"


class _Crop(nn.Module):
    """Cropping per side of each spatial axis (channels-first)."""

    def __init__(self, pairs: list[tuple[int, int]]):
        super().__init__()
        self.pairs = pairs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        index = [slice(None), slice(None)]
        for (before, after), n in zip(self.pairs, x.shape[2:], strict=True):
            if n - before - after < 1:
                # As Keras' Cropping: nothing may be left empty.
                raise ValueError(f"cropping {before}+{after} from {n} leaves nothing")
            index.append(slice(before, n - after))
        return x[tuple(index)]


class _CropTo(nn.Module):
    """``crop_to``: the first tensor cropped (or zero-padded) at run time to the
    spatial size of the second, ``F.pad`` with negative amounts cropping."""

    def __init__(self, split: str, mode: str, channels_last: bool, name: str):
        super().__init__()
        self.split = split
        self.mode = mode
        self.channels_last = channels_last
        self.name = name

    @staticmethod
    def before(d: int, split: str) -> int:
        """Pixels taken off the start of an axis ``d`` pixels too long (negative:
        padded), as the code people write computes them: ``d // 2`` (slicing
        ``x[..., d//2 : d//2 + h]``), ``d - d // 2``, or torchvision ``CenterCrop``'s
        ``int(round(d / 2))`` (padding ``(-d) // 2`` before when the input is smaller)."""
        if split == "floor":
            return d // 2
        if split == "ceil":
            return d - d // 2
        return int(round(d / 2.0)) if d >= 0 else -((-d) // 2)  # noqa: RUF046 (as torchvision)

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        axes = range(1, x.dim() - 1) if self.channels_last else range(2, x.dim())
        pad: list[int] = [0, 0] if self.channels_last else []
        for axis in reversed(axes):  # F.pad lists the last axis first
            d = x.shape[axis] - like.shape[axis]
            if d < 0 and self.mode == "crop":
                raise ValueError(
                    f"{self.name}: the input ({x.shape[axis]}) is smaller than its reference "
                    f"({like.shape[axis]}) on axis {axis}"
                )
            before = self.before(d, self.split)
            pad += [-before, -(d - before)]
        return F.pad(x, pad)

    def extra_repr(self) -> str:
        return f"split={self.split!r}, mode={self.mode!r}"


class _TransposeTo(nn.Module):
    """A transposed convolution called with ``output_size`` (as ``forward`` allows)."""

    def __init__(self, conv: nn.Module, size: tuple[int, ...]):
        super().__init__()
        self.conv = conv
        self.size = list(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x, output_size=self.size)


class _AvgPoolExcludingPad(nn.Module):
    """Average pooling over explicitly padded input that does not count the padding
    (TensorFlow's ``'same'``): the zero-padded average divided by the share of real
    positions in each window."""

    def __init__(self, pool: nn.Module, pad: _Pad):
        super().__init__()
        self.pool = pool
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = self.pool(self.pad(x))
        share = self.pool(self.pad(torch.ones_like(x[:, :1])))
        return total / share


class _Concat(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)


_MERGES: dict[str, Callable[[list[torch.Tensor]], torch.Tensor]] = {
    "add": lambda xs: sum(xs[1:], xs[0]),
    "subtract": lambda xs: xs[0] - xs[1],
    "multiply": lambda xs: math.prod(xs[1:], start=xs[0]),
    "average": lambda xs: sum(xs[1:], xs[0]) / len(xs),
    "maximum": lambda xs: torch.stack(xs).amax(0),
    "minimum": lambda xs: torch.stack(xs).amin(0),
}


class _Merge(nn.Module):
    def __init__(self, op: str, n_inputs: int):
        super().__init__()
        if op == "subtract" and n_inputs != 2:
            raise SpecError(f"subtract takes exactly 2 inputs, received {n_inputs}")
        self.op = op

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return _MERGES[self.op](list(xs))


class _Reshape(nn.Module):
    def __init__(self, shape: list[int]):
        super().__init__()
        self.shape = list(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


class _GlobalPool(nn.Module):
    def __init__(self, op: str, rank: int, keepdims: bool):
        super().__init__()
        self.dims = tuple(range(2, 2 + rank))
        self.op = op
        self.keepdims = keepdims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.op == "avg":
            return x.mean(dim=self.dims, keepdim=self.keepdims)
        return x.amax(dim=self.dims, keepdim=self.keepdims)


# --- the builder ---------------------------------------------------------------------


class _Permute(nn.Module):
    """Keras ``Permute(dims)``: reorders the axes after the batch axis (1-based dims)."""

    def __init__(self, dims: list[int]):
        super().__init__()
        self.dims = [int(d) for d in dims]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, *self.dims)

    def extra_repr(self) -> str:
        return f"dims={self.dims}"


class _TorchBuilder:
    """Creates one module per layer, reading shapes from planner's inference."""

    def __init__(self, net: Network, inference: Inference):
        self.net = net
        self.inference = inference
        self.rank = net.rank
        self.native = net.framework == "torch"
        self.shapes: dict[str, tuple[int, ...] | None] = {
            net.input_name: tuple(int(d) for d in net.input_shape)
        }
        for result in inference.layers:
            shape = result.output_shape
            self.shapes[result.name] = tuple(int(d) for d in shape) if shape is not None else None

    def build(self, layer: Any) -> nn.Module:
        make = getattr(self, f"_{layer.type}", None)
        if make is None:
            raise SpecError(f"no PyTorch mapping for layer type {layer.type!r}", layer=layer.name)
        return make(layer)

    # --- helpers -------------------------------------------------------------
    def input_shape(self, layer: Any) -> tuple[int, ...]:
        name = layer.inputs[0]
        shape = self.shapes.get(name)
        if shape is None:
            error = self.inference[name].error if name != self.net.input_name else None
            raise SpecError(
                f"its input '{name}' has no shape (planner: {error}); PyTorch needs the "
                "number of input channels",
                layer=layer.name,
            )
        return shape

    def in_channels(self, layer: Any) -> int:
        shape = self.input_shape(layer)
        return shape[-1] if self.net.channels_last else shape[0]

    def spatial(self, module: nn.Module) -> nn.Module:
        """Wrap a channels-first module for the network's data format."""
        return _ChannelsLast(module) if self.net.channels_last else module

    def resolved_pads(self, layer: Any) -> list[tuple[int, int]]:
        return resolved_pads(self.inference[layer.name], layer, "PyTorch")

    def pads(self, layer: Any, native_modes: tuple[str, ...]) -> str | list[tuple[int, int]]:
        """A PyTorch padding mode, or per-side pairs (explicit or as planner resolved)."""
        mode = layer.padding
        if isinstance(mode, str):
            if mode == "valid" or (self.native and mode in native_modes):
                return mode
            return self.resolved_pads(layer)
        return [(int(b), int(a)) for b, a in mode]

    def activation(self, layer: Any, name: str | None, ndim: int) -> nn.Module | None:
        """The activation module for ``name`` on tensors of ``ndim`` dims (no batch)."""
        if name is None:
            return None
        key = activation_key(name, layer.name)
        fw = self.net.framework
        # Softmax runs over channels: the last axis, or axis 1 of channels-first maps.
        dim = 1 if (not self.net.channels_last and ndim > 1) else -1
        simple: dict[str, Callable[[], nn.Module]] = {
            "linear": nn.Identity,
            "relu": nn.ReLU,
            "relu6": nn.ReLU6,
            "prelu": nn.PReLU,
            "elu": nn.ELU,
            "selu": nn.SELU,
            "celu": nn.CELU,
            "silu": nn.SiLU,
            "mish": nn.Mish,
            "sigmoid": nn.Sigmoid,
            "hardsigmoid": nn.Hardsigmoid,
            "logsigmoid": nn.LogSigmoid,
            "tanh": nn.Tanh,
            "hardtanh": nn.Hardtanh,
            "tanhshrink": nn.Tanhshrink,
            "softplus": nn.Softplus,
            "softsign": nn.Softsign,
            "hardswish": nn.Hardswish,
        }
        if key in simple:
            return simple[key]()
        if key == "leakyrelu":
            slope = leaky_slope(fw, name, getattr(layer, "negative_slope", None))
            return nn.LeakyReLU(slope)
        if key == "gelu":
            return nn.GELU(approximate="tanh" if gelu_approximate(fw) else "none")
        if key == "softmax":
            return nn.Softmax(dim=dim)
        assert key == "logsoftmax"
        return nn.LogSoftmax(dim=dim)

    def with_activation(self, layer: Any, core: nn.Module, out_ndim: int) -> nn.Module:
        act = self.activation(layer, layer.activation, out_ndim)
        return core if act is None else nn.Sequential(core, act)

    def conv_cls(self, kind: str) -> Any:
        return getattr(nn, f"{kind}{self.rank}d")

    # --- layer types -----------------------------------------------------------
    def _conv(self, layer: Any) -> nn.Module:
        return self._windowed_conv(layer, layer.filters, layer.groups)

    def _depthwise_conv(self, layer: Any) -> nn.Module:
        cin = self.in_channels(layer)
        return self._windowed_conv(layer, cin * layer.depth_multiplier, cin)

    def _separable_conv(self, layer: Any) -> nn.Module:
        cin = self.in_channels(layer)
        mid = cin * layer.depth_multiplier
        pointwise = self.conv_cls("Conv")(mid, layer.filters, 1, bias=layer.use_bias)
        return self._windowed_conv(layer, mid, cin, bias=False, then=pointwise)

    def _windowed_conv(
        self,
        layer: Any,
        cout: int,
        groups: int,
        bias: bool | None = None,
        then: nn.Module | None = None,
    ) -> nn.Module:
        cin = self.in_channels(layer)
        padding_mode = getattr(layer, "padding_mode", "zeros")
        pads = self.pads(layer, ("same",))
        parts: list[nn.Module] = []
        if isinstance(pads, str):
            padding: Any = pads
        elif all(b == a for b, a in pads):
            padding = tuple(b for b, _ in pads)
        else:
            # PyTorch pads both sides alike; pad the difference explicitly first.
            mode = "constant" if padding_mode == "zeros" else padding_mode
            parts.append(_Pad(pads, mode))
            padding = 0
        parts.append(
            self.conv_cls("Conv")(
                cin,
                cout,
                layer.kernel_size,
                stride=layer.strides,
                padding=padding,
                dilation=layer.dilation,
                groups=groups,
                bias=layer.use_bias if bias is None else bias,
                padding_mode=padding_mode,
            )
        )
        if then is not None:
            parts.append(then)
        core = parts[0] if len(parts) == 1 else nn.Sequential(*parts)
        return self.with_activation(layer, self.spatial(core), self.rank + 1)

    def _conv_transpose(self, layer: Any) -> nn.Module:
        cin = self.in_channels(layer)
        cls = self.conv_cls("ConvTranspose")
        mode = layer.padding
        symmetric = (
            isinstance(mode, tuple) and all(b == a and b >= 0 for b, a in mode)
        ) or mode == "valid"
        common = dict(
            stride=layer.strides, dilation=layer.dilation, groups=layer.groups, bias=layer.use_bias
        )
        if self.native and symmetric:
            padding = 0 if mode == "valid" else tuple(b for b, _ in mode)
            if layer.output_size is not None:
                conv = cls(cin, layer.filters, layer.kernel_size, padding=padding, **common)
                core: nn.Module = _TransposeTo(conv, tuple(layer.output_size))
            else:
                core = cls(
                    cin,
                    layer.filters,
                    layer.kernel_size,
                    padding=padding,
                    output_padding=layer.output_padding or 0,
                    **common,
                )
        else:
            # The full output (n - 1)*s + ek, then planner's per-side crop (negative
            # amounts extend). output_padding (< stride or dilation) extends after as
            # PyTorch does, so the extension carries the bias.
            crops = self.resolved_pads(layer)
            extend = [
                min(max(0, -a), max(s, d) - 1)
                for (_, a), s, d in zip(crops, layer.strides, layer.dilation, strict=True)
            ]
            conv = cls(
                cin, layer.filters, layer.kernel_size, output_padding=tuple(extend), **common
            )
            crops = [(b, a + e) for (b, a), e in zip(crops, extend, strict=True)]
            if any(c != (0, 0) for c in crops):
                core = nn.Sequential(conv, _Pad([(-b, -a) for b, a in crops]))
            else:
                core = conv
        return self.with_activation(layer, self.spatial(core), self.rank + 1)

    def _pool(self, layer: Any, kind: str) -> nn.Module:
        strides = layer.strides
        if strides is None and not self.native:
            strides = get_dialect(self.net.framework).pool_stride(layer.pool_size)
        pads = self.pads(layer, ())
        parts: list[nn.Module] = []
        padding: Any = 0
        if isinstance(pads, list):
            if self.native and all(b == a for b, a in pads):
                padding = tuple(b for b, _ in pads)
            elif any(p != (0, 0) for p in pads):
                parts.append(_Pad(pads, value=-math.inf if kind == "Max" else 0.0))
        if kind == "Max":
            pool: nn.Module = getattr(nn, f"MaxPool{self.rank}d")(
                layer.pool_size,
                stride=strides,
                padding=padding,
                dilation=layer.dilation,
                ceil_mode=bool(layer.ceil_mode),
            )
        else:
            if any(d != 1 for d in layer.dilation):
                raise SpecError(
                    "PyTorch AvgPool has no dilation", layer=layer.name, field="dilation"
                )
            include = self.count_include_pad(layer)
            pool = getattr(nn, f"AvgPool{self.rank}d")(
                layer.pool_size,
                stride=strides,
                padding=padding,
                ceil_mode=bool(layer.ceil_mode),
                count_include_pad=include,
            )
            if parts and not include:
                pad = parts.pop()
                assert isinstance(pad, _Pad)
                pool = _AvgPoolExcludingPad(pool, pad)
        parts.append(pool)
        if layer.ceil_mode and padding == 0:
            # Padded ahead, PyTorch's ceil mode lets the last window start in the
            # after-padding, which ONNX's does not: crop the windows it adds (F.pad
            # with a negative amount). Their values agree window for window.
            over = self.ceil_overshoot(layer, strides, pads)
            if any(over):
                parts.append(_Pad([(0, -o) for o in over]))
        core = parts[0] if len(parts) == 1 else nn.Sequential(*parts)
        return self.spatial(core)

    def ceil_overshoot(self, layer: Any, strides: Any, pads: Any) -> list[int]:
        """Per axis, how many more windows PyTorch's ceil mode gives on the input
        padded ahead (``padding=0``: the last may start anywhere before
        ``n + before + after``) than planner resolved for the network's framework."""
        sizes = self.inference.sizes[layer.inputs[0]]
        out = self.inference[layer.name].spatial
        if strides is None:
            strides = layer.pool_size
        if isinstance(strides, int):
            strides = (strides,) * len(sizes)
        sides = pads if isinstance(pads, list) else [(0, 0)] * len(sizes)
        over = []
        for n, o, k, s, d, (b, a) in zip(
            sizes, out, layer.pool_size, strides, layer.dilation, sides, strict=True
        ):
            span = int(n) + b + a
            count = -(-(span - (k - 1) * d - 1) // s) + 1
            if (count - 1) * s >= span:
                count -= 1
            over.append(count - int(o))
        return over

    def count_include_pad(self, layer: Any) -> bool:
        from planner.dialects import avg_counts_padding

        return avg_counts_padding(self.net.framework, layer)

    def _max_pool(self, layer: Any) -> nn.Module:
        return self._pool(layer, "Max")

    def _avg_pool(self, layer: Any) -> nn.Module:
        return self._pool(layer, "Avg")

    def _global_pool(self, layer: Any) -> nn.Module:
        sizes = adaptive_sizes(self.inference, layer)
        if sizes is not None:
            kind = "Avg" if layer.op == "avg" else "Max"
            return self.spatial(getattr(nn, f"Adaptive{kind}Pool{self.rank}d")(sizes))
        # Without keepdims the output (batch, channels) needs no move back.
        return self.spatial(_GlobalPool(layer.op, self.rank, layer.keepdims))

    def _upsample(self, layer: Any) -> nn.Module:
        mode = layer.mode.lower()
        if mode in ("linear", "bilinear", "trilinear"):
            mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[self.rank]
        align = layer.align_corners if mode not in ("nearest", "nearest-exact", "area") else None
        if layer.output_size is not None:
            core = nn.Upsample(
                size=tuple(int(s) for s in layer.output_size), mode=mode, align_corners=align
            )
        else:
            core = nn.Upsample(
                scale_factor=tuple(float(s) for s in layer.scale), mode=mode, align_corners=align
            )
        return self.spatial(core)

    def _zero_padding(self, layer: Any) -> nn.Module:
        return self.spatial(_Pad([(int(b), int(a)) for b, a in layer.padding]))

    def _cropping(self, layer: Any) -> nn.Module:
        return self.spatial(_Crop([(int(b), int(a)) for b, a in layer.cropping]))

    def _crop_to(self, layer: Any) -> nn.Module:
        return _CropTo(layer.split, layer.mode, self.net.channels_last, layer.name)

    def _concatenate(self, layer: Any) -> nn.Module:
        if layer.axis is not None:
            return _Concat(layer.axis)
        return _Concat(-1 if self.net.channels_last else 1)

    def _add(self, layer: Any) -> nn.Module:
        return _Merge(layer.op, len(layer.inputs))

    def _flatten(self, layer: Any) -> nn.Module:
        return nn.Flatten()

    def _dense(self, layer: Any) -> nn.Module:
        shape = self.input_shape(layer)
        core = nn.Linear(shape[-1], layer.units, bias=layer.use_bias)
        return self.with_activation(layer, core, len(shape))

    def _reshape(self, layer: Any) -> nn.Module:
        return _Reshape(layer.target_shape)

    def _activation(self, layer: Any) -> nn.Module:
        shape = self.shapes.get(layer.inputs[0])
        ndim = len(shape) if shape is not None else len(self.net.input_shape)
        act = self.activation(layer, layer.activation, ndim)
        assert act is not None
        return act

    def _batch_norm(self, layer: Any) -> nn.Module:
        shape = self.input_shape(layer)
        channels = shape[-1] if self.net.channels_last else shape[0]
        fw = self.net.framework
        eps = layer.epsilon if ("epsilon" in layer.model_fields_set or fw == "keras") else 1e-5
        momentum = 0.1
        if layer.momentum is not None:
            # PyTorch's momentum weighs the new value; Keras' and Flax's the old average.
            momentum = 1 - layer.momentum if fw in ("keras", "jax") else layer.momentum
        elif fw == "keras":
            momentum = 0.01
        elif fw == "jax":
            momentum = 0.01  # flax.linen.BatchNorm momentum=0.99
        cls = getattr(nn, f"BatchNorm{max(1, len(shape) - 1)}d")
        core = cls(channels, eps=eps, momentum=momentum, affine=layer.affine)
        return self.spatial(core) if len(shape) > 1 else core

    def _dropout(self, layer: Any) -> nn.Module:
        return nn.Dropout(layer.rate)

    def _norm(self, layer: Any) -> nn.Module:
        shape = self.input_shape(layer)
        channels = shape[-1] if self.net.channels_last else shape[0]
        if layer.norm == "layer":
            trailing = layer.normalized_shape
            if trailing is None:
                trailing = [shape[-1]]  # Keras / Flax: the last axis
            elif isinstance(trailing, int):
                trailing = [trailing]
            return nn.LayerNorm(
                [int(d) for d in trailing], eps=layer.epsilon, elementwise_affine=layer.affine
            )
        if layer.norm == "group":
            core: nn.Module = nn.GroupNorm(
                layer.groups, channels, eps=layer.epsilon, affine=layer.affine
            )
        else:
            rank = len(shape) - 1
            if rank not in (1, 2, 3):
                raise SpecError(
                    f"PyTorch has InstanceNorm1d/2d/3d only, received a rank-{rank} input",
                    layer=layer.name,
                )
            cls = getattr(nn, f"InstanceNorm{rank}d")
            core = cls(channels, eps=layer.epsilon, affine=layer.affine)
        return self.spatial(core)

    def _pixel_shuffle(self, layer: Any) -> nn.Module:
        rank = len(self.input_shape(layer)) - 1
        if rank != 2:
            raise SpecError(
                "PyTorch's PixelShuffle works on 2D images only (it reads the last three axes "
                f"as channels, height, width), received a rank-{rank} input",
                layer=layer.name,
            )
        core = nn.PixelUnshuffle(layer.factor) if layer.inverse else nn.PixelShuffle(layer.factor)
        return self.spatial(core)

    def _permute(self, layer: Any) -> nn.Module:
        return _Permute(layer.dims)
