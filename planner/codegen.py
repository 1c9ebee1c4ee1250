"""Source code of one layer in a framework, from planner's structured layer data.

One function per target framework (``torch_code``, ``keras_code``, ``flax_code``,
``onnx_code``), dispatched by ``layer_code``; each returns a list of code items
that, joined with ``", "``, form the body of a Python list:

- PyTorch: ``nn`` modules (``nn.Sequential(*[...])`` runs them), and ``lambda x: ...``
  functions (``F`` is ``torch.nn.functional``) where no module computes the layer (min
  pooling, 1D sum pooling): apply the items in order;
- Keras 3: ``layers`` objects (``keras.Sequential([...])``);
- Flax (``flax.linen as nn``, ``jax.numpy as jnp``, ``jax.lax as lax``): modules and
  ``lambda x: ...`` functions (``nn.Sequential([...])``);
- ONNX (``onnx.helper as helper``, ``onnx.TensorProto``): ``helper.make_node(...)``
  nodes from ``x`` to ``y`` and ``helper.make_tensor_value_info(...)`` declarations of
  the weights they read (``W``, ``B``; ``W1``, ``W2``... when several nodes have
  weights), to be given as initializers.

Every field of the item is printed unless it holds the framework's default, so the
code is the structured result, not a summary of it. JAX's min and sum pooling
(``reduce``) become what each target has: min pooling is ``-max_pool(-x)``; sum
pooling is PyTorch average pooling with ``divisor_override=1``, or (Keras, ONNX) an
average pooling with a constant divisor times the window size (refused here where the
divisor is not constant); Flax writes ``nn.min_pool`` or ``lax.reduce_window``. Weights are laid out each
framework's own way (kernel flips and axis orders differ); the code fixes shapes,
padding and arithmetic, not how to copy trained weights.

>>> item = {"type": "conv", "filters": 16, "kernel_size": [3, 3], "strides": [2, 2],
...         "dilation": [2, 2], "padding": [1, 1]}
>>> layer_code("torch", item, CodeContext(rank=2, in_channels=3))
['nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1, dilation=2)']
>>> layer_code("keras", {"type": "zero_padding", "padding": [[0, 1], [0, 1]]},
...            CodeContext(rank=2, in_channels=3))
['layers.ZeroPadding2D(((0, 1), (0, 1)))']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.errors import SpecError

CODE_FRAMEWORKS = ("torch", "keras", "jax", "onnx")


@dataclass
class CodeContext:
    """What a layer's code needs beyond its fields: the spatial rank, the incoming
    channels, the data format (Keras only; PyTorch and ONNX are channels-first, Flax
    channels-last) and, for ONNX, the names of the tensors in and out."""

    rank: int
    in_channels: int
    channels_last: bool = True
    x: str = "x"
    y: str = "y"


def layer_code(framework: str, item: dict[str, Any], ctx: CodeContext) -> list[str]:
    """The code items of one layer (see the module docstring for the forms)."""
    try:
        generate = _GENERATORS[framework]
    except KeyError:
        raise SpecError(
            f"no code generator for {framework!r}; valid: {', '.join(CODE_FRAMEWORKS)}",
            field="framework",
        ) from None
    return generate(item, ctx)


def layers_code(framework: str, items: list[dict[str, Any]], ctx: CodeContext) -> str:
    """Several layers in sequence as one list body; ONNX tensors are chained
    ``x -> t1 -> ... -> y``."""
    parts: list[str] = []
    channels = ctx.in_channels
    for i, item in enumerate(items):
        last = i == len(items) - 1
        sub = CodeContext(
            ctx.rank,
            channels,
            ctx.channels_last,
            x=ctx.x if i == 0 else f"t{i}",
            y=ctx.y if last else f"t{i + 1}",
        )
        parts.extend(layer_code(framework, item, sub))
        channels = out_channels(item, channels)
    return ", ".join(parts)


def out_channels(item: dict[str, Any], cin: int) -> int:
    kind = item["type"]
    if kind == "depthwise_conv":
        return cin * item.get("depth_multiplier", 1)
    return item.get("filters", cin)


# --- helpers ----------------------------------------------------------------------


def _each(value: Any, rank: int) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value] * rank


def _one(values: list[Any]) -> str:
    """``3`` when every axis agrees, else ``(3, 5)``."""
    if len(set(map(repr, values))) == 1:
        return repr(values[0])
    return repr(tuple(values))


def _tuple(values: list[Any]) -> str:
    return repr(tuple(values))


def _pairs(pad: Any, rank: int) -> list[tuple[int, int]]:
    """Explicit padding as ``(before, after)`` per axis."""
    out = []
    for p in _each(pad, rank):
        out.append((p[0], p[1]) if isinstance(p, list | tuple) else (p, p))
    return out


def _symmetric(pad: Any, rank: int) -> list[int]:
    pairs = _pairs(pad, rank)
    if any(b != a for b, a in pairs):
        raise SpecError(f"asymmetric padding {pairs} where the framework needs symmetric")
    return [b for b, _ in pairs]


def _kernel(item: dict[str, Any]) -> Any:
    return item.get("kernel_size") or item.get("pool_size")


def _scales(item: dict[str, Any], rank: int) -> list[Any]:
    return _each(item["scale"], rank)


def _interp(item: dict[str, Any]) -> str:
    mode = str(item.get("mode", "nearest")).lower()
    return "nearest" if mode == "nearest" else "linear"


_TORCH_PAD = {
    "constant": "ZeroPad",
    "zeros": "ZeroPad",
    "reflect": "ReflectionPad",
    "replicate": "ReplicationPad",
    "circular": "CircularPad",
}
_TORCH_LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


# --- PyTorch ----------------------------------------------------------------------


def torch_code(item: dict[str, Any], ctx: CodeContext) -> list[str]:
    """``torch.nn`` modules (channels first)."""
    kind, r, cin = item["type"], ctx.rank, ctx.in_channels
    if kind in ("zero_padding", "cropping"):
        pairs = _pad_pairs(item, r)
        flat = tuple(v for pair in reversed(pairs) for v in pair)
        mode = item.get("padding_mode", "constant")
        return [f"nn.{_TORCH_PAD[mode]}{r}d({flat})"]
    if kind == "upsample":
        args = (
            [f"size={_one(_each(item['output_size'], r))}"]
            if item.get("output_size") is not None
            else [f"scale_factor={_one(_scales(item, r))}"]
        )
        if _interp(item) == "nearest":
            args.append("mode='nearest'")
        else:
            args += [f"mode={_TORCH_LINEAR[r]!r}", "align_corners=False"]
        return [f"nn.Upsample({', '.join(args)})"]
    k = _each(_kernel(item), r)
    s = _each(item["strides"], r) if item.get("strides") is not None else k
    d = _each(item.get("dilation", 1), r)
    pad = item.get("padding", 0)
    pad_text = repr(pad) if isinstance(pad, str) else _one(_symmetric(pad, r))
    if kind in ("max_pool", "avg_pool"):
        return [_torch_pool(item, r, k, s, d, pad_text)]

    def conv(cin_: int, cout: int, kern: list[int], **kw: Any) -> str:
        args = [str(cin_), str(cout), f"kernel_size={_one(kern)}"]
        for key, default in (("stride", 1), ("padding", 0), ("output_padding", 0)):
            value = kw.get(key)
            if value is not None and value != repr(default):
                args.append(f"{key}={value}")
        for key, default in (("dilation", 1), ("groups", 1)):
            value = kw.get(key)
            if value is not None and value != repr(default):
                args.append(f"{key}={value}")
        if kw.get("bias") is False:
            args.append("bias=False")
        mode = kw.get("padding_mode", "zeros")
        if mode != "zeros":
            args.append(f"padding_mode={mode!r}")
        cls = "ConvTranspose" if kw.get("transpose") else "Conv"
        return f"nn.{cls}{r}d({', '.join(args)})"

    common = {"stride": _one(s), "padding": pad_text, "dilation": _one(d)}
    bias = item.get("use_bias", True)
    if kind == "conv":
        return [
            conv(
                cin,
                item["filters"],
                k,
                **common,
                groups=repr(item.get("groups", 1)),
                bias=bias,
                padding_mode=item.get("padding_mode", "zeros"),
            )
        ]
    if kind == "depthwise_conv":
        mid = cin * item.get("depth_multiplier", 1)
        return [conv(cin, mid, k, **common, groups=repr(cin), bias=bias)]
    if kind == "separable_conv":
        # Keras' SeparableConv: an unbiased depthwise step, then a biased pointwise one.
        mid = cin * item.get("depth_multiplier", 1)
        return [
            conv(cin, mid, k, **common, groups=repr(cin), bias=False),
            conv(mid, item["filters"], [1] * r, bias=bias),
        ]
    if kind == "conv_transpose":
        op = item.get("output_padding")
        return [
            conv(
                cin,
                item["filters"],
                k,
                **common,
                output_padding=_one(_each(op, r)) if op is not None else None,
                groups=repr(item.get("groups", 1)),
                bias=bias,
                transpose=True,
            )
        ]
    raise SpecError(f"no PyTorch code for a {kind} layer", field="type")


def _torch_pool(
    item: dict[str, Any], r: int, k: list[Any], s: list[Any], d: list[Any], pad: str
) -> str:
    kind, reduce = item["type"], item.get("reduce")
    args = [_one(k), f"stride={_one(s)}"]
    if pad != "0":
        args.append(f"padding={pad}")
    if kind == "max_pool" and any(v != 1 for v in d):
        args.append(f"dilation={_one(d)}")
    if item.get("ceil_mode"):
        args.append("ceil_mode=True")
    if reduce == "min":
        # min over a window = -max over the negated window (the padding then holds +inf)
        return f"lambda x: -F.max_pool{r}d(-x, {', '.join(args)})"
    if reduce == "sum":
        if r != 1:
            return f"nn.AvgPool{r}d({', '.join(args)}, divisor_override=1)"
        # AvgPool1d has no divisor_override: the 2D one over a trailing axis of 1.
        one = [f"({k[0]}, 1)", f"stride=({s[0]}, 1)"]
        if pad != "0":
            one.append(f"padding=({pad}, 0)")
        if item.get("ceil_mode"):
            one.append("ceil_mode=True")
        return (
            f"lambda x: F.avg_pool2d(x.unsqueeze(-1), {', '.join(one)}, "
            "divisor_override=1).squeeze(-1)"
        )
    if kind == "avg_pool" and item.get("count_include_pad") is False:
        args.append("count_include_pad=False")
    name = "MaxPool" if kind == "max_pool" else "AvgPool"
    return f"nn.{name}{r}d({', '.join(args)})"


def _window_size(item: dict[str, Any], rank: int) -> int:
    size = 1
    for v in _each(_kernel(item), rank):
        size *= v
    return size


def _pad_pairs(item: dict[str, Any], rank: int) -> list[tuple[int, int]]:
    """Padding (negative: cropping) per axis of a zero_padding or cropping item."""
    if item["type"] == "cropping":
        return [(-b, -a) for b, a in _pairs(item["cropping"], rank)]
    return _pairs(item["padding"], rank)


# --- Keras 3 ----------------------------------------------------------------------


def keras_code(item: dict[str, Any], ctx: CodeContext) -> list[str]:
    """``keras.layers`` objects, in the network's data format."""
    kind, r = item["type"], ctx.rank
    fmt = [] if ctx.channels_last else ["data_format='channels_first'"]
    if kind in ("zero_padding", "cropping"):
        mode = item.get("padding_mode", "constant")
        if mode not in ("constant", "zeros"):
            raise SpecError(f"Keras has no {mode} padding layer", field="padding_mode")
        pairs = _pad_pairs(item, r)
        grow = [(max(b, 0), max(a, 0)) for b, a in pairs]
        crop = [(max(-b, 0), max(-a, 0)) for b, a in pairs]
        out = []
        # Keras crops before padding here; F.pad does the same (narrow, then pad).
        if any(c != (0, 0) for c in crop):
            out.append(f"layers.Cropping{r}D({_keras_pairs(crop, r)}{_kw(fmt)})")
        if any(g != (0, 0) for g in grow) or not out:
            out.append(f"layers.ZeroPadding{r}D({_keras_pairs(grow, r)}{_kw(fmt)})")
        return out
    if kind == "upsample":
        args = [f"size={_one([int(v) for v in _scales(item, r)])}"]
        if _interp(item) != "nearest":
            args.append("interpolation='bilinear'")
        return [f"layers.UpSampling{r}D({', '.join(args + fmt)})"]
    k = _each(_kernel(item), r)
    args = []
    if kind in ("conv", "separable_conv", "conv_transpose"):
        args.append(str(item["filters"]))
    args.append(_one(k))
    if item.get("strides") is not None:
        s = _each(item["strides"], r)
        if not (kind not in ("max_pool", "avg_pool") and all(v == 1 for v in s)):
            args.append(f"strides={_one(s)}")
    args.append(f"padding={item.get('padding', 'valid')!r}")
    if item.get("output_padding") is not None:
        args.append(f"output_padding={_one(_each(item['output_padding'], r))}")
    d = _each(item.get("dilation", 1), r)
    if kind not in ("max_pool", "avg_pool") and any(v != 1 for v in d):
        args.append(f"dilation_rate={_one(d)}")
    if item.get("groups", 1) != 1:
        args.append(f"groups={item['groups']}")
    if item.get("depth_multiplier", 1) != 1:
        args.append(f"depth_multiplier={item['depth_multiplier']}")
    if item.get("use_bias") is False:
        args.append("use_bias=False")
    name = {
        "conv": f"Conv{r}D",
        "conv_transpose": f"Conv{r}DTranspose",
        "max_pool": f"MaxPooling{r}D",
        "avg_pool": f"AveragePooling{r}D",
        "depthwise_conv": f"DepthwiseConv{r}D",
        "separable_conv": f"SeparableConv{r}D",
    }.get(kind)
    if name is None:
        raise SpecError(f"no Keras code for a {kind} layer", field="type")
    code = f"layers.{name}({', '.join(args + fmt)})"
    reduce = item.get("reduce")
    if reduce == "min":
        return ["layers.Rescaling(-1.0)", code, "layers.Rescaling(-1.0)"]
    if reduce == "sum":
        if item.get("padding", "valid") != "valid":
            raise SpecError(
                "Keras 'same' average pooling divides by the real pixels in each window: "
                "no constant factor turns it into a sum",
                field="padding",
            )
        return [code, f"layers.Rescaling({float(_window_size(item, r))!r})"]
    return [code]


def _keras_pairs(pairs: list[tuple[int, int]], rank: int) -> str:
    return repr(pairs[0]) if rank == 1 else repr(tuple(pairs))


def _kw(extra: list[str]) -> str:
    return "".join(f", {e}" for e in extra)


# --- Flax (flax.linen) ------------------------------------------------------------


def _flax_padding(pad: Any, rank: int) -> str:
    if isinstance(pad, str):
        return repr(pad.upper())
    return _tuple(_pairs(pad, rank))


def _spatial_pairs(pairs: list[tuple[int, int]], extra: int = 0) -> str:
    """Pairs for every axis of an NHWC tensor (batch and channels unpadded)."""
    zero = (0, 0) if not extra else (0, 0, 0)
    body = [(b, a) if not extra else (b, a, 0) for b, a in pairs]
    return repr((zero, *body, zero))


_JNP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def flax_code(item: dict[str, Any], ctx: CodeContext) -> list[str]:
    """``flax.linen`` modules and functions of ``x`` (channels last)."""
    kind, r, cin = item["type"], ctx.rank, ctx.in_channels
    if kind in ("zero_padding", "cropping"):
        pairs = _pad_pairs(item, r)
        mode = item.get("padding_mode", "constant")
        if mode in ("constant", "zeros"):
            # lax.pad takes negative amounts (they crop); jnp.pad does not.
            return [f"lambda x: lax.pad(x, 0.0, {_spatial_pairs(pairs, extra=1)})"]
        return [f"lambda x: jnp.pad(x, {_spatial_pairs(pairs)}, mode={_JNP_MODES[mode]!r})"]
    if kind == "upsample":
        if item.get("output_size") is not None:
            raise SpecError("no Flax code for upsampling to a fixed size", field="output_size")
        repeats = [int(v) for v in _scales(item, r)]
        if _interp(item) == "nearest":
            text = "x"
            for axis, rep in enumerate(repeats, start=1):
                if rep != 1:
                    text = f"jnp.repeat({text}, {rep}, axis={axis})"
            return [f"lambda x: {text}"]
        sizes = ", ".join(f"x.shape[{axis}] * {rep}" for axis, rep in enumerate(repeats, start=1))
        return [f"lambda x: jax.image.resize(x, (x.shape[0], {sizes}, x.shape[-1]), 'linear')"]
    k = _each(_kernel(item), r)
    s = item.get("strides")
    s = _each(s, r) if s is not None else None
    d = _each(item.get("dilation", 1), r)
    pad = item.get("padding", "valid")
    if kind in ("max_pool", "avg_pool"):
        return [_flax_pool(item, r, k, s, d, pad)]
    bias = item.get("use_bias", True)

    def conv(features: int, kern: list[int], padding: str, **kw: Any) -> str:
        args = [str(features), f"kernel_size={_tuple(kern)}"]
        if kw.get("strides") and any(v != 1 for v in kw["strides"]):
            args.append(f"strides={_tuple(kw['strides'])}")
        args.append(f"padding={padding}")
        if kw.get("dilation") and any(v != 1 for v in kw["dilation"]):
            args.append(f"kernel_dilation={_tuple(kw['dilation'])}")
        if kw.get("groups", 1) != 1:
            args.append(f"feature_group_count={kw['groups']}")
        if kw.get("bias") is False:
            args.append("use_bias=False")
        cls = "ConvTranspose" if kw.get("transpose") else "Conv"
        return f"nn.{cls}({', '.join(args)})"

    padding = _flax_padding(pad, r)
    mode = item.get("padding_mode", "zeros")
    front: list[str] = []
    if mode != "zeros":
        front = [
            f"lambda x: jnp.pad(x, {_spatial_pairs(_pairs(pad, r))}, mode={_JNP_MODES[mode]!r})"
        ]
        padding = "'VALID'"
    if kind == "conv":
        groups = item.get("groups", 1)
        return [
            *front,
            conv(item["filters"], k, padding, strides=s, dilation=d, groups=groups, bias=bias),
        ]
    if kind == "depthwise_conv":
        mid = cin * item.get("depth_multiplier", 1)
        return [conv(mid, k, padding, strides=s, dilation=d, groups=cin, bias=bias)]
    if kind == "separable_conv":
        mid = cin * item.get("depth_multiplier", 1)
        return [
            conv(mid, k, padding, strides=s, dilation=d, groups=cin, bias=False),
            conv(item["filters"], [1] * r, "'VALID'", bias=bias),
        ]
    if kind == "conv_transpose":
        return [conv(item["filters"], k, padding, strides=s, dilation=d, bias=bias, transpose=True)]
    raise SpecError(f"no Flax code for a {kind} layer", field="type")


_LAX_REDUCE = {
    ("max_pool", None): ("-jnp.inf", "lax.max"),
    ("max_pool", "min"): ("jnp.inf", "lax.min"),
    ("avg_pool", "sum"): ("0.0", "lax.add"),
}


def _flax_pool(
    item: dict[str, Any], r: int, k: list[Any], s: list[Any] | None, d: list[Any], pad: Any
) -> str:
    """``flax.linen`` pooling, or ``lax.reduce_window`` where Flax has none (sum
    pooling, window or base dilation)."""
    kind, reduce = item["type"], item.get("reduce")
    base = _each(item.get("input_dilation", 1), r)
    lax_level = item.get("api") == "lax" or reduce == "sum" or any(v != 1 for v in [*d, *base])
    if not lax_level:
        name = "pooling.min_pool" if reduce == "min" else kind
        args = [f"window_shape={_tuple(k)}"]
        if s is not None:
            args.append(f"strides={_tuple(s)}")
        args.append(f"padding={_flax_padding(pad, r)}")
        if kind == "avg_pool" and item.get("count_include_pad") is False:
            args.append("count_include_pad=False")
        return f"lambda x: nn.{name}(x, {', '.join(args)})"
    if (kind, reduce) not in _LAX_REDUCE:
        raise SpecError("no Flax code for a dilated average pooling", field="dilation")
    init, op = _LAX_REDUCE[(kind, reduce)]
    padding = repr(pad.upper()) if isinstance(pad, str) else _spatial_pairs(_pairs(pad, r))
    args = [
        "x",
        init,
        op,
        _tuple([1, *k, 1]),
        _tuple([1, *(s or [1] * r), 1]),
        padding,
    ]
    if any(v != 1 for v in base):
        args.append(f"base_dilation={_tuple([1, *base, 1])}")
    if any(v != 1 for v in d):
        args.append(f"window_dilation={_tuple([1, *d, 1])}")
    return f"lambda x: lax.reduce_window({', '.join(args)})"


# --- ONNX -------------------------------------------------------------------------

_ONNX_PAD_MODES = {
    "constant": "constant",
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def _node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
    text = f"helper.make_node({op!r}, {inputs!r}, [{output!r}]"
    for key, value in attrs.items():
        text += f", {key}={value!r}"
    return text + ")"


def _weight(name: str, shape: list[int]) -> str:
    return f"helper.make_tensor_value_info({name!r}, TensorProto.FLOAT, {shape!r})"


def onnx_code(item: dict[str, Any], ctx: CodeContext) -> list[str]:
    """ONNX nodes from ``ctx.x`` to ``ctx.y`` (channels first, opset 19+) and the
    declarations of their weights, named after the node's output (``W_y``, ``B_y``)."""
    kind, r, cin = item["type"], ctx.rank, ctx.in_channels
    x, y = ctx.x, ctx.y
    if kind in ("zero_padding", "cropping"):
        pairs = _pad_pairs(item, r)
        pads = [0, 0, *(b for b, _ in pairs), 0, 0, *(a for _, a in pairs)]
        mode = _ONNX_PAD_MODES[item.get("padding_mode", "constant")]
        return [
            _node("Constant", [], f"{y}_pads", value_ints=pads),
            _node("Pad", [x, f"{y}_pads"], y, mode=mode),
        ]
    if kind == "upsample":
        attrs: dict[str, Any] = {"mode": _interp(item)}
        if attrs["mode"] == "nearest":
            attrs.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        if item.get("output_size") is not None:
            return [
                _node(
                    "Constant",
                    [],
                    f"{y}_sizes",
                    value_ints=[1, cin, *_each(item["output_size"], r)],
                ),
                _node("Resize", [x, "", "", f"{y}_sizes"], y, **attrs),
            ]
        scales = [1.0, 1.0, *(float(v) for v in _scales(item, r))]
        return [
            _node("Constant", [], f"{y}_scales", value_floats=scales),
            _node("Resize", [x, "", f"{y}_scales"], y, **attrs),
        ]
    k = _each(_kernel(item), r)
    attrs = {"kernel_shape": k}
    if item.get("strides") is not None:
        attrs["strides"] = _each(item["strides"], r)
    pad = item.get("padding", "valid")
    mode = item.get("padding_mode", "zeros")
    front: list[str] = []
    if mode != "zeros":
        pairs = _pairs(pad, r)
        flat = [0, 0, *(b for b, _ in pairs), 0, 0, *(a for _, a in pairs)]
        front = [
            _node("Constant", [], f"{y}_pads", value_ints=flat),
            _node("Pad", [x, f"{y}_pads"], f"{y}_padded", mode=_ONNX_PAD_MODES[mode]),
        ]
        x, pad = f"{y}_padded", "valid"
    if isinstance(pad, str):
        attrs["auto_pad"] = {"same": "SAME_UPPER"}.get(pad, pad.upper())
    else:
        pairs = _pairs(pad, r)
        attrs["pads"] = [b for b, _ in pairs] + [a for _, a in pairs]
    d = _each(item.get("dilation", 1), r)
    if any(v != 1 for v in d):
        attrs["dilations"] = d
    if kind in ("max_pool", "avg_pool"):
        reduce = item.get("reduce")
        if item.get("ceil_mode"):
            attrs["ceil_mode"] = 1
        if kind == "avg_pool" and (reduce == "sum" or item.get("count_include_pad") is True):
            attrs["count_include_pad"] = 1
        if reduce == "min":
            # min over a window = -max over the negated window
            return [
                _node("Neg", [x], f"{y}_negated"),
                _node("MaxPool", [f"{y}_negated"], f"{y}_max", **attrs),
                _node("Neg", [f"{y}_max"], y),
            ]
        if reduce == "sum":
            if item.get("ceil_mode") or attrs.get("auto_pad", "VALID") != "VALID":
                raise SpecError(
                    "ONNX AveragePool divides SAME and ceil_mode windows by their real "
                    "pixels: no constant factor turns it into a sum",
                    field="padding",
                )
            return [
                _node("AveragePool", [x], f"{y}_mean", **attrs),
                _node("Constant", [], f"{y}_window", value_float=float(_window_size(item, r))),
                _node("Mul", [f"{y}_mean", f"{y}_window"], y),
            ]
        op = "MaxPool" if kind == "max_pool" else "AveragePool"
        return [*front, _node(op, [x], y, **attrs)]
    bias = item.get("use_bias", True)

    def conv(op: str, src: str, dst: str, a: dict[str, Any], shape: list[int], cout: int,
             with_bias: bool) -> list[str]:  # fmt: skip
        w, b = f"W_{dst}", f"B_{dst}"
        out = [_node(op, [src, w] + ([b] if with_bias else []), dst, **a), _weight(w, shape)]
        if with_bias:
            out.append(_weight(b, [cout]))
        return out

    if kind == "conv":
        g = item.get("groups", 1)
        if g != 1:
            attrs["group"] = g
        return [
            *front,
            *conv("Conv", x, y, attrs, [item["filters"], cin // g, *k], item["filters"], bias),
        ]
    if kind == "depthwise_conv":
        mid = cin * item.get("depth_multiplier", 1)
        attrs["group"] = cin
        return conv("Conv", x, y, attrs, [mid, 1, *k], mid, bias)
    if kind == "separable_conv":
        mid = cin * item.get("depth_multiplier", 1)
        attrs["group"] = cin
        return [
            *conv("Conv", x, f"{y}_depthwise", attrs, [mid, 1, *k], mid, False),
            *conv(
                "Conv",
                f"{y}_depthwise",
                y,
                {"kernel_shape": [1] * r},
                [item["filters"], mid, *[1] * r],
                item["filters"],
                bias,
            ),
        ]
    if kind == "conv_transpose":
        g = item.get("groups", 1)
        if g != 1:
            attrs["group"] = g
        if item.get("output_padding") is not None:
            attrs["output_padding"] = _each(item["output_padding"], r)
        shape = [cin, item["filters"] // g, *k]
        return conv("ConvTranspose", x, y, attrs, shape, item["filters"], bias)
    raise SpecError(f"no ONNX code for a {kind} layer", field="type")


_GENERATORS = {
    "torch": torch_code,
    "keras": keras_code,
    "jax": flax_code,
    "onnx": onnx_code,
}
