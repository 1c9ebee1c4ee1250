"""Flax source for a planner network: one ``flax.linen.Module`` with a compact
``__call__``, one local variable per planner layer.

Flax takes explicit ``(before, after)`` padding everywhere, so every window layer
gets the per-side amounts planner resolved (the same numbers ``planner show``
prints), whatever mode the network was written with: that is exact for
convolutions (zeros), max pooling (Flax pads with -inf) and average pooling
(``count_include_pad`` as the network's framework counts). A ceil-mode pool gets
the after-padding its last window reaches on top (-inf for max; for an average
that counts padding, the declared padding is written into the array with
``jnp.pad`` so that only the ceil overhang is left out of the divisor, as in
PyTorch). A transposed
convolution is the gradient of a convolution (``transpose_kernel=True``) with
padding ``k_eff - 1 - crop`` per side, which gives PyTorch's and Keras' output
exactly. Flax computes channels-last; a channels-first network moves the channel
axis around each spatial layer (``to_last`` / ``to_first``), so every tensor keeps
the shape planner shows.

What Flax has no exact form for is refused with the layer's name: grouped
transposed convolutions, padding modes other than zeros, Keras' per-element PReLU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.dialects import get_dialect
from planner.errors import SpecError
from planner.export import activation_key, gelu_approximate, leaky_slope, resolved_pads
from planner.export import source as S

if TYPE_CHECKING:
    from planner.shapes import Inference
    from planner.spec.network import Network

_JAX_ACTIVATIONS = {
    "relu": "nn.relu", "relu6": "jax.nn.relu6", "elu": "nn.elu", "selu": "nn.selu",
    "celu": "nn.celu", "silu": "nn.silu", "mish": "jax.nn.mish", "sigmoid": "nn.sigmoid",
    "hardsigmoid": "nn.hard_sigmoid", "logsigmoid": "nn.log_sigmoid", "tanh": "nn.tanh",
    "hardtanh": "jax.nn.hard_tanh", "softplus": "nn.softplus", "softsign": "nn.soft_sign",
    "hardswish": "nn.hard_swish",
}  # fmt: skip


def flax_source(net: Network, inference: Inference) -> str:
    writer = _FlaxWriter(net, inference)
    names = S.Names(("x", "self", "jax", "jnp", "nn", "lax", "to_last", "to_first"))
    var = {net.input_name: "x"}
    body: list[str] = []
    for layer in net.layers:
        ident = names(layer.name)
        args = [var[i] for i in layer.inputs]
        make = getattr(writer, f"_{layer.type}", None)
        if make is None:
            raise SpecError(f"no Flax mapping for layer type {layer.type!r}", layer=layer.name)
        comment = S.padding_comment(net, layer, inference, "Flax")
        if comment and layer.type not in ("conv_transpose",):
            body += S.comment_lines(comment)
        body.append(f"{ident} = {make(layer, args)}")
        var[layer.name] = ident
    consumed = {i for layer in net.layers for i in layer.sources}
    sinks = [var[n] for n in net.layer_names if n not in consumed] or ["x"]
    body.append(f"return {sinks[0] if len(sinks) == 1 else '(' + ', '.join(sinks) + ')'}")

    cls = S.class_name(net.name)
    shape = tuple(int(d) for d in net.input_shape)
    note = f"Input: an array of shape (batch, {', '.join(map(str, shape))}) ({net.data_format})."
    out = [S.module_docstring(net, "Flax", note), ""]
    out += [
        "import flax.linen as nn",
        "import jax",
        "import jax.numpy as jnp",
        "from jax import lax",
    ]
    out += ["", ""]
    if not net.channels_last:
        out += [
            "def to_last(x: jax.Array) -> jax.Array:",
            '    """Channels-first to channels-last (Flax computes channels-last)."""',
            "    return jnp.moveaxis(x, 1, -1)",
            "",
            "",
            "def to_first(x: jax.Array) -> jax.Array:",
            "    return jnp.moveaxis(x, -1, 1)",
            "",
            "",
        ]
    out += [f"class {cls}(nn.Module):", f'    """{net.name}, {len(net.layers)} layers."""', ""]
    out += ["    @nn.compact", "    def __call__(self, x: jax.Array) -> jax.Array:  # noqa: C901"]
    out += [f"        {line}" for line in body]
    out += ["", "", f"INPUT_SHAPE = {S.literal(shape)}", "", ""]
    out += ["def build() -> nn.Module:", f"    return {cls}()", "", ""]
    out += [
        'if __name__ == "__main__":',
        "    x = jnp.zeros((1, *INPUT_SHAPE))",
        "    variables = build().init(jax.random.PRNGKey(0), x)",
        "    print(build().apply(variables, x).shape)",
        "",
    ]
    return "\n".join(out)


class _FlaxWriter:
    def __init__(self, net: Network, inference: Inference):
        self.net = net
        self.inference = inference
        self.rank = net.rank
        self.last = net.channels_last

    # --- helpers ---------------------------------------------------------------------
    def spatial(self, expr_of: str, x: str) -> str:
        """``expr_of`` (with ``{x}``) applied channels-last to ``x``."""
        if self.last:
            return expr_of.format(x=x)
        return f"to_first({expr_of.format(x=f'to_last({x})')})"

    def pads(self, layer: Any) -> list[tuple[int, int]]:
        return resolved_pads(self.inference[layer.name], layer, "Flax")

    def activation(self, layer: Any, name: str | None, x: str, ndim: int) -> str:
        if name is None:
            return x
        key = activation_key(name, layer.name)
        fw = self.net.framework
        if key == "linear":
            return x
        if key == "leakyrelu":
            slope = leaky_slope(fw, name, getattr(layer, "negative_slope", None))
            return f"nn.leaky_relu({x}, negative_slope={slope!r})"
        if key == "gelu":
            return f"nn.gelu({x}, approximate={gelu_approximate(fw)})"
        if key in ("softmax", "logsoftmax"):
            axis = -1 if (self.last or ndim <= 1) else 1
            fn = "nn.softmax" if key == "softmax" else "nn.log_softmax"
            return f"{fn}({x}, axis={axis})"
        if key == "prelu":
            if fw == "keras":
                raise SpecError(
                    "Keras' PReLU has one slope per element; Flax's PReLU has one",
                    layer=layer.name,
                    field="activation",
                )
            return f"nn.PReLU(negative_slope_init=0.25, name={self.name(layer)!r})({x})"
        if key == "tanhshrink":
            return f"({x} - jnp.tanh({x}))"
        return f"{_JAX_ACTIVATIONS[key]}({x})"

    def name(self, layer: Any, suffix: str = "") -> str:
        return (layer.name + suffix).replace("/", "_")

    def in_channels(self, layer: Any) -> int:
        name = layer.inputs[0]
        shape = (
            self.net.input_shape
            if name == self.net.input_name
            else self.inference[name].output_shape
        )
        return int(shape[-1] if self.last else shape[0])

    def out_ndim(self, layer: Any) -> int:
        shape = self.inference[layer.name].output_shape
        return len(shape) if shape is not None else self.rank + 1

    # --- layer types -----------------------------------------------------------------
    def _conv(self, layer: Any, args: list[str]) -> str:
        return self._windowed(layer, args[0], layer.filters, layer.groups)

    def _depthwise_conv(self, layer: Any, args: list[str]) -> str:
        cin = self.in_channels(layer)
        return self._windowed(layer, args[0], cin * layer.depth_multiplier, cin)

    def _separable_conv(self, layer: Any, args: list[str]) -> str:
        cin = self.in_channels(layer)
        mid = cin * layer.depth_multiplier
        depth = self._conv_call(layer, mid, cin, "{x}", bias=False, suffix="_depthwise")
        point = (
            f"nn.Conv({layer.filters}, {S.literal((1,) * self.rank)}, "
            f"use_bias={layer.use_bias}, name={self.name(layer, '_pointwise')!r})"
        )
        core = self.spatial(f"{point}({depth})", args[0])
        return self.activation(layer, layer.activation, core, self.rank + 1)

    def _windowed(self, layer: Any, x: str, cout: int, groups: int) -> str:
        core = self.spatial(self._conv_call(layer, cout, groups, "{x}"), x)
        return self.activation(layer, layer.activation, core, self.rank + 1)

    def _conv_call(
        self, layer: Any, cout: int, groups: int, x: str, bias: bool | None = None, suffix: str = ""
    ) -> str:
        if getattr(layer, "padding_mode", "zeros") != "zeros":
            raise SpecError(
                f"Flax convolutions pad with zeros here, not {layer.padding_mode!r}",
                layer=layer.name,
                field="padding_mode",
            )
        pads = [tuple(p) for p in self.pads(layer)]
        parts = [
            str(cout),
            S.literal(tuple(layer.kernel_size)),
            f"strides={S.literal(tuple(layer.strides))}",
            f"padding={S.literal(pads)}",
        ]
        if any(d != 1 for d in layer.dilation):
            parts.append(f"kernel_dilation={S.literal(tuple(layer.dilation))}")
        if groups != 1:
            parts.append(f"feature_group_count={groups}")
        use_bias = layer.use_bias if bias is None else bias
        if not use_bias:
            parts.append("use_bias=False")
        parts.append(f"name={self.name(layer, suffix)!r}")
        return f"nn.Conv({', '.join(parts)})({x})"

    def _conv_transpose(self, layer: Any, args: list[str]) -> str:
        if layer.groups != 1:
            raise SpecError("Flax's ConvTranspose has no groups", layer=layer.name, field="groups")
        crops = self.pads(layer)
        eff = [(k - 1) * d + 1 for k, d in zip(layer.kernel_size, layer.dilation, strict=True)]
        # The gradient of a convolution pads the dilated input by k_eff - 1 for the full
        # output; planner's per-side crop takes that much less.
        padding: Any = [(e - 1 - b, e - 1 - a) for e, (b, a) in zip(eff, crops, strict=True)]
        native = self.net.framework == "jax"
        if native:
            # A Flax plan: the layer as written (Flax's own kernel orientation).
            mode = layer.padding
            padding = mode.upper() if isinstance(mode, str) else [tuple(p) for p in mode]
        parts = [
            str(layer.filters),
            S.literal(tuple(layer.kernel_size)),
            f"strides={S.literal(tuple(layer.strides))}",
            f"padding={S.literal(padding)}",
        ]
        if any(d != 1 for d in layer.dilation):
            parts.append(f"kernel_dilation={S.literal(tuple(layer.dilation))}")
        if not layer.use_bias:
            parts.append("use_bias=False")
        if not native:
            parts.append("transpose_kernel=True")
        parts.append(f"name={self.name(layer)!r}")
        call = f"nn.ConvTranspose({', '.join(parts)})({{x}})"
        comment = (
            f"  # crop per side {S.pads_text(crops)} of the full output"
            if any(c != (0, 0) for c in crops) and not native
            else ""
        )
        core = self.spatial(call, args[0])
        return self.activation(layer, layer.activation, core, self.rank + 1) + comment

    def _pool(self, layer: Any, x: str, kind: str) -> str:
        strides = layer.strides or get_dialect(self.net.framework).pool_stride(layer.pool_size)
        if isinstance(strides, int):
            strides = (strides,) * self.rank
        if any(d != 1 for d in layer.dilation):
            raise SpecError("Flax pooling has no dilation", layer=layer.name, field="dilation")
        pads = [tuple(p) for p in self.pads(layer)]
        extra = self.ceil_extra(layer, strides, pads)
        window = S.literal(tuple(layer.pool_size))
        head = f"{window}, strides={S.literal(tuple(strides))}"
        padded = S.literal([(b, a + e) for (b, a), e in zip(pads, extra, strict=True)])
        if kind == "max":
            if layer.reduce == "min":
                # Flax's min_pool pads with +inf, as a min pool must.
                return self.spatial(f"nn.pooling.min_pool({{x}}, {head}, padding={padded})", x)
            # Flax pads a max pool with -inf, as PyTorch does on every side.
            return self.spatial(f"nn.max_pool({{x}}, {head}, padding={padded})", x)
        if layer.reduce == "sum":
            # Flax has no sum pooling: lax.reduce_window with lax.add (zeros pad).
            dims = S.literal((1, *layer.pool_size, 1))
            steps = S.literal((1, *strides, 1))
            every = S.literal(
                ((0, 0), *[(b, a + e) for (b, a), e in zip(pads, extra, strict=True)], (0, 0))
            )
            return self.spatial(
                f"lax.reduce_window({{x}}, 0.0, lax.add, {dims}, {steps}, {every})", x
            )
        from planner.dialects import avg_counts_padding

        include = avg_counts_padding(self.net.framework, layer)
        if include and any(extra):
            # Ceil mode: PyTorch divides by the window clipped to the padded input,
            # so the declared padding counts and the ceil overhang does not. Zeros
            # padded into the array count in Flax's divisor; padding= ones do not.
            widths = S.literal(((0, 0), *pads, (0, 0)))
            overhang = S.literal([(0, e) for e in extra])
            call = f"nn.avg_pool(jnp.pad({{x}}, {widths}), {head}, padding={overhang}"
            return self.spatial(f"{call}, count_include_pad=False)", x)
        call = f"nn.avg_pool({{x}}, {head}, padding={padded}, count_include_pad={include})"
        return self.spatial(call, x)

    def ceil_extra(self, layer: Any, strides: tuple[int, ...], pads: list[Any]) -> list[int]:
        """Per axis, the padding after the declared one that the last window of a
        ceil-mode pool reaches: ``(out - 1)*s + k - (n + before + after)``, else 0."""
        sizes = self.inference.sizes[layer.inputs[0]]
        out = self.inference[layer.name].spatial
        return [
            max(0, (int(o) - 1) * s + k - (int(n) + b + a))
            for n, o, k, s, (b, a) in zip(sizes, out, layer.pool_size, strides, pads, strict=True)
        ]

    def _max_pool(self, layer: Any, args: list[str]) -> str:
        return self._pool(layer, args[0], "max")

    def _avg_pool(self, layer: Any, args: list[str]) -> str:
        return self._pool(layer, args[0], "avg")

    def _global_pool(self, layer: Any, args: list[str]) -> str:
        if layer.output_size is not None:
            raise SpecError(
                f"adaptive pooling to {layer.output_size}: Flax has no adaptive pooling",
                layer=layer.name,
                field="output_size",
            )
        first = 1 if self.last else 2
        axes = tuple(range(first, first + self.rank))
        fn = "jnp.mean" if layer.op == "avg" else "jnp.max"
        return f"{fn}({args[0]}, axis={S.literal(axes)}, keepdims={layer.keepdims})"

    def _upsample(self, layer: Any, args: list[str]) -> str:
        out = self.inference[layer.name].output_shape
        x = args[0]
        mode = layer.mode.lower()
        if (
            mode == "nearest"
            and layer.output_size is None
            and all(float(s).is_integer() for s in layer.scale)
        ):
            expr = x
            first = 1 if self.last else 2
            for axis, s in enumerate(layer.scale):
                if int(s) != 1:
                    expr = f"jnp.repeat({expr}, {int(s)}, axis={first + axis})"
            return expr
        if mode in ("linear", "bilinear", "trilinear") and not layer.align_corners:
            return f"jax.image.resize({x}, ({x}.shape[0], {', '.join(map(str, out))}), 'linear')"
        raise SpecError(
            f"upsampling mode {layer.mode!r} (align_corners={layer.align_corners}) has no exact "
            "Flax form here",
            layer=layer.name,
            field="mode",
        )

    def _zero_padding(self, layer: Any, args: list[str]) -> str:
        pairs = [(int(b), int(a)) for b, a in layer.padding]
        return self._lax_pad(args[0], pairs)

    def _cropping(self, layer: Any, args: list[str]) -> str:
        cut = [f"{int(b)}:{-int(a) if int(a) else ''}" for b, a in layer.cropping]
        index = [":", *cut, ":"] if self.last else [":", ":", *cut]
        return f"{args[0]}[{', '.join(index)}]"

    def _crop_to(self, layer: Any, args: list[str]) -> str:
        # The amounts planner resolved for this input size (negative: crop).
        return self._lax_pad(args[0], self.pads(layer))

    def _lax_pad(self, x: str, pairs: list[tuple[int, int]]) -> str:
        # lax.pad takes negative amounts (they crop); (low, high, interior) per axis.
        config = [(b, a, 0) for b, a in pairs]
        full = [(0, 0, 0), *config, (0, 0, 0)] if self.last else [(0, 0, 0), (0, 0, 0), *config]
        return f"lax.pad({x}, 0.0, {S.literal(full)})"

    def _concatenate(self, layer: Any, args: list[str]) -> str:
        axis = layer.axis if layer.axis is not None else (-1 if self.last else 1)
        return f"jnp.concatenate([{', '.join(args)}], axis={axis})"

    def _add(self, layer: Any, args: list[str]) -> str:
        if layer.op == "add":
            return " + ".join(args)
        if layer.op == "subtract":
            return f"{args[0]} - {args[1]}"
        if layer.op == "multiply":
            return " * ".join(args)
        if layer.op == "average":
            return f"({' + '.join(args)}) / {len(args)}"
        fn = "jnp.maximum" if layer.op == "maximum" else "jnp.minimum"
        expr = args[0]
        for a in args[1:]:
            expr = f"{fn}({expr}, {a})"
        return expr

    def _flatten(self, layer: Any, args: list[str]) -> str:
        return f"{args[0]}.reshape({args[0]}.shape[0], -1)"

    def _reshape(self, layer: Any, args: list[str]) -> str:
        dims = ", ".join(str(d) for d in layer.target_shape)
        return f"{args[0]}.reshape({args[0]}.shape[0], {dims})"

    def _dense(self, layer: Any, args: list[str]) -> str:
        bias = "" if layer.use_bias else ", use_bias=False"
        core = f"nn.Dense({layer.units}{bias}, name={self.name(layer)!r})({args[0]})"
        return self.activation(layer, layer.activation, core, self.out_ndim(layer))

    def _activation(self, layer: Any, args: list[str]) -> str:
        return self.activation(layer, layer.activation, args[0], self.out_ndim(layer))

    def _batch_norm(self, layer: Any, args: list[str]) -> str:
        fw = self.net.framework
        eps = layer.epsilon if ("epsilon" in layer.model_fields_set or fw == "keras") else 1e-5
        momentum = layer.momentum
        if momentum is None:
            momentum = 0.99 if fw in ("keras", "jax") else 0.9
        elif fw in ("torch", "onnx"):
            momentum = 1 - momentum  # PyTorch weighs the new value; Flax the old average
        ndim = self.out_ndim(layer)
        axis = -1 if (self.last or ndim <= 1) else 1
        scale = layer.scale and layer.affine
        center = layer.center and layer.affine
        extra = ("" if scale else ", use_scale=False") + ("" if center else ", use_bias=False")
        return (
            f"nn.BatchNorm(use_running_average=True, axis={axis}, momentum={momentum!r}, "
            f"epsilon={eps!r}{extra}, name={self.name(layer)!r})({args[0]})"
        )

    def _dropout(self, layer: Any, args: list[str]) -> str:
        return f"nn.Dropout({layer.rate!r}, deterministic=True)({args[0]})"

    def _norm(self, layer: Any, args: list[str]) -> str:
        extra = "" if layer.affine else ", use_bias=False, use_scale=False"
        common = f"epsilon={layer.epsilon!r}{extra}, name={self.name(layer)!r}"
        if layer.norm == "layer":
            trailing = layer.normalized_shape
            k = 1 if trailing is None or isinstance(trailing, int) else len(trailing)
            axes = "-1" if k == 1 else S.literal(tuple(range(-k, 0)))
            return f"nn.LayerNorm(reduction_axes={axes}, feature_axes={axes}, {common})({args[0]})"
        if layer.norm == "group":
            call = f"nn.GroupNorm(num_groups={layer.groups}, {common})" + "({x})"
        else:
            call = f"nn.InstanceNorm({common})" + "({x})"
        return self.spatial(call, args[0])

    def _pixel_shuffle(self, layer: Any, args: list[str]) -> str:
        name = "PixelUnshuffle" if layer.inverse else "PixelShuffle"
        raise SpecError(
            f"Flax has no {name} layer (flax.linen has no depth-to-space module)",
            layer=layer.name,
        )

    def _permute(self, layer: Any, args: list[str]) -> str:
        dims = ", ".join(str(int(d)) for d in layer.dims)
        return f"jnp.transpose({args[0]}, (0, {dims}))"
