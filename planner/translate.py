"""Translate a layer's padding from one framework to another, exactly or not at all.

A translation is *exact* when the target framework's layer produces the same output
size with the same padding before each axis: windows start at ``i*s - before`` and
there are ``out`` of them, so every output pixel sees the same input window. Candidates are tried simplest first in the target dialect (a padding mode,
symmetric amounts, ``ceil_mode``, explicit pairs, then an explicit zero-padding
layer in front) and each is checked with planner's own arithmetic for that dialect.
When nothing matches, the answer says why ("not expressible").

Values, not only shapes: zero padding in front of a *max* pool changes results at the
border (frameworks pad max pooling with -inf), so that is never offered as exact;
``ceil_mode`` windows that run past the input ignore the missing pixels, which is
what TensorFlow's ``'same'`` max and average pooling do, so those are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from planner.errors import SolveError, SpecError
from planner.shapes import Tensor, infer
from planner.spec.loading import network_from_data
from planner.spec.network import FRAMEWORKS, Network
from planner.symbolic.ops import is_int

CONV_TYPES = ("conv", "depthwise_conv", "separable_conv")
POOL_TYPES = ("max_pool", "avg_pool")


@dataclass
class Translation:
    """The equivalent of ``layer`` in ``framework`` (``layers``), or why there is none."""

    layer: str
    source: str
    framework: str
    exact: bool
    layers: list[dict[str, Any]] = field(default_factory=list)
    code: str = ""
    reason: str | None = None
    note: str | None = None
    padding: list[tuple[int, int]] | None = None
    output: tuple[int, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "from": self.source,
            "to": self.framework,
            "exact": self.exact,
            "layers": self.layers,
            "code": self.code,
            "reason": self.reason,
            "note": self.note,
            "padding": [list(p) for p in self.padding] if self.padding else None,
            "output": list(self.output) if self.output else None,
        }


def translate(net: Network, layer_name: str, framework: str) -> Translation:
    """The exact equivalent of ``layer_name``'s padding in ``framework``.

    >>> import planner
    >>> net = planner.loads('''
    ... name: tf
    ... input_shape: [28, 28, 3]
    ... layers: [{type: Conv2D, filters: 8, kernel_size: 3, strides: 2, padding: same,
    ...           name: down}]
    ... ''')
    >>> t = translate(net, "down", "torch")
    >>> t.exact, t.code
    (True, 'nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=0)')
    """
    if framework not in FRAMEWORKS:
        raise SpecError(
            f"unknown framework {framework!r}; valid: {', '.join(FRAMEWORKS)}", field="--to"
        )
    layer = net.layer(layer_name)
    if layer.type not in (*CONV_TYPES, *POOL_TYPES, "conv_transpose"):
        raise SolveError(
            f"layer '{layer_name}' is a {layer.type}; translation covers convolutions, "
            "transposed convolutions and pooling",
            layer=layer_name,
        )
    result = infer(net)
    index = net.layer_names.index(layer_name)
    res = result.layers[index]
    if not res.ok:
        raise SolveError(
            f"layer '{layer_name}' fails in {net.framework}: {res.error}", layer=layer_name
        )
    if res.conditions or not all(is_int(d) for d in res.spatial):
        raise SolveError("translation needs concrete sizes; give an input shape", layer=layer_name)
    source_input = _input_tensor(net, result, layer.inputs[0])
    spatial_in = Tensor(source_input, net.channels_last).spatial
    want_pad = [tuple(p) for p in (res.padding or [])]
    want_out = tuple(res.spatial)
    source_desc = f"{net.framework} {layer.type} {_describe(layer)}"
    base = _base_fields(layer)
    if layer.type in POOL_TYPES and layer.strides is None:
        # Pool strides default differently (Keras/PyTorch: the window; Flax/ONNX: 1).
        from planner.dialects import get_dialect

        base["strides"] = [get_dialect(net.framework).pool_stride(k) for k in layer.pool_size]
    note = _input_note(net, layer)
    for fields, prefix in _candidates(layer, framework, want_pad, spatial_in):
        got = _try(net, framework, source_input, layer, {**base, **fields}, prefix)
        # Windows start at i*s - before and there are `out` of them: equal output sizes
        # and equal padding before place every window on the same pixels.
        if (
            got is not None
            and got[0] == want_out
            and [b for b, _ in got[1]] == [b for b, _ in want_pad]
        ):
            layers = [*prefix, {"type": layer.type, **base, **fields}]
            return Translation(
                layer_name,
                source_desc,
                framework,
                True,
                layers,
                _code(framework, layers, source_input, net, layer),
                None,
                note,
                want_pad,
                want_out,
            )
    return Translation(
        layer_name,
        source_desc,
        framework,
        False,
        reason=_why_not(layer, framework, want_pad),
        padding=want_pad,
        output=want_out,
        note=note,
    )


def _input_tensor(net: Network, result: Any, name: str) -> tuple[int, ...]:
    if name == net.input_name:
        return tuple(result.input_shape)
    return tuple(result[name].output_shape)


def _describe(layer: Any) -> str:
    k = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    parts = [f"kernel {list(k)}", f"strides {list(layer.strides) if layer.strides else 'default'}"]
    parts.append(
        f"padding {layer.padding!r}"
        if isinstance(layer.padding, str)
        else f"padding {[list(p) for p in layer.padding]}"
    )
    return ", ".join(parts)


def _base_fields(layer: Any) -> dict[str, Any]:
    keep = (
        "filters",
        "kernel_size",
        "strides",
        "dilation",
        "pool_size",
        "groups",
        "depth_multiplier",
        "use_bias",
    )
    out = {}
    for f in keep:
        if f in type(layer).model_fields and getattr(layer, f) is not None:
            value = getattr(layer, f)
            out[f] = list(value) if isinstance(value, tuple) else value
    return out


def _input_note(net: Network, layer: Any) -> str | None:
    strides = layer.strides or ()
    if (
        isinstance(layer.padding, str)
        and layer.padding != "valid"
        and any(isinstance(s, int) and s > 1 for s in strides)
    ):
        return (
            f"'{layer.padding}' padding depends on the input size modulo the stride; "
            "this translation is exact for this input size (and every size with the same "
            "remainder)"
        )
    return None


def _candidates(
    layer: Any, framework: str, pads: list[tuple[int, int]], spatial_in: tuple[int, ...]
) -> Any:
    """(fields, layers in front) to try, simplest first."""
    symmetric = all(b == a for b, a in pads)
    nonneg = all(b >= 0 and a >= 0 for b, a in pads)
    pairs = [[b, a] for b, a in pads]
    kind = layer.type
    if kind in CONV_TYPES or kind in POOL_TYPES:
        modes = {
            "keras": ["valid", "same"],
            "torch": ["valid", "same"] if kind in CONV_TYPES else [],
            "jax": ["valid", "same", "same_lower"],
            "onnx": ["valid", "same_upper", "same_lower"],
        }[framework]
        for mode in modes:
            yield {"padding": mode}, []
        if symmetric and nonneg:
            yield {"padding": [b for b, _ in pads]}, []
        if kind in POOL_TYPES and framework in ("torch", "onnx"):
            # TensorFlow 'same' pooling: the extra pixels after are ignored by ceil_mode.
            lows = [b for b, _ in pads]
            yield (
                {
                    "padding": lows if framework == "torch" else [[b, b] for b in lows],
                    "ceil_mode": True,
                },
                [],
            )
        if framework in ("jax", "onnx") and nonneg:
            yield {"padding": pairs}, []
        if kind in CONV_TYPES and framework in ("torch", "keras") and nonneg:
            low = [min(b, a) for b, a in pads]
            extra = [[b - m, a - m] for (b, a), m in zip(pads, low, strict=True)]
            pad_layer = {"type": "zero_padding", "padding": extra}
            if framework == "torch":
                yield {"padding": low}, [pad_layer]
            else:
                yield {"padding": "valid"}, [{"type": "zero_padding", "padding": pairs}]
        return
    # Transposed convolution: pads are the forward padding (crops of the full output).
    if framework == "torch":
        if all(b >= a for b, a in pads):
            yield {"padding": [b for b, _ in pads], "output_padding": [b - a for b, a in pads]}, []
    elif framework == "keras":
        strides = layer.strides
        for mode in ("valid", "same"):
            yield {"padding": mode}, []
            for ops in product(*[range(s) for s in strides]):
                yield {"padding": mode, "output_padding": list(ops)}, []
    elif framework == "jax":
        k = layer.kernel_size
        d = layer.dilation
        eks = [(ki - 1) * di + 1 for ki, di in zip(k, d, strict=True)]
        for mode in ("same", "valid"):
            yield {"padding": mode}, []
        yield (
            {"padding": [[ek - 1 - b, ek - 1 - a] for ek, (b, a) in zip(eks, pads, strict=True)]},
            [],
        )
    elif framework == "onnx":
        for mode in ("same_upper", "same_lower", "valid"):
            yield {"padding": mode}, []
        op = [max(-a, 0) for _, a in pads]
        yield (
            {
                "padding": [[b, a + o] for (b, a), o in zip(pads, op, strict=True)],
                "output_padding": op,
            },
            [],
        )


def _try(
    net: Network,
    framework: str,
    source_input: tuple[int, ...],
    layer: Any,
    fields: dict[str, Any],
    prefix: list[dict[str, Any]],
) -> tuple[Any, Any] | None:
    item = {"type": layer.type, **fields, "name": "target"}
    data = {
        "name": "translate",
        "framework": framework,
        "data_format": net.data_format,
        "input_shape": list(source_input),
        "layers": [*[dict(p) for p in prefix], item],
    }
    try:
        probe = network_from_data(data)
        result = infer(probe)
    except (SpecError, SolveError):
        return None
    if not result.ok or not result.layers:
        return None
    last = result.layers[-1]
    pads = [tuple(p) for p in (last.padding or [])]
    if prefix:
        # Explicit padding in front adds to the layer's own, side by side.
        front = result.layers[0].padding or []
        pads = [(b + fb, a + fa) for (b, a), (fb, fa) in zip(pads, front, strict=True)]
    return tuple(last.spatial), pads


def _why_not(layer: Any, framework: str, pads: list[tuple[int, int]]) -> str:
    text = ", ".join(f"{b}|{a}" for b, a in pads)
    if layer.type == "conv_transpose" and framework == "torch":
        return (
            f"PyTorch's ConvTranspose crops the same amount on both sides and adds "
            f"output_padding only after; this layer crops {text} (before|after), more after "
            "than before. Crop the output yourself after a smaller padding"
        )
    if layer.type in POOL_TYPES:
        return (
            f"{framework} pooling cannot pad {text} (before|after) on its own, and zero "
            "padding in front would change the values a max pool sees at the border"
        )
    return f"no {framework} configuration pads {text} (before|after) per axis"


def _code(
    framework: str,
    layers: list[dict[str, Any]],
    source_input: tuple[int, ...],
    net: Network,
    layer: Any,
) -> str:
    rank = net.rank
    cin = source_input[-1] if net.channels_last else source_input[0]
    parts = []
    for item in layers:
        parts.append(_snippet(framework, item, rank, cin))
    return ", ".join(parts)


def _num(values: Any) -> str:
    if isinstance(values, list) and len(set(map(str, values))) == 1:
        return str(values[0])
    return str(tuple(values)) if isinstance(values, list) else repr(values)


def _snippet(fw: str, item: dict[str, Any], rank: int, cin: Any) -> str:
    kind = item["type"]
    pad = item.get("padding")
    if kind == "zero_padding":
        pairs = pad
        if fw == "torch":
            flat = [v for pair in reversed(pairs) for v in pair]
            return f"nn.ZeroPad{rank}d({tuple(flat)})"
        return f"layers.ZeroPadding{rank}D({tuple(tuple(p) for p in pairs)})"
    k = item.get("kernel_size") or item.get("pool_size")
    s = item.get("strides")
    if fw == "torch":
        name = {
            "conv": "Conv",
            "conv_transpose": "ConvTranspose",
            "max_pool": "MaxPool",
            "avg_pool": "AvgPool",
            "depthwise_conv": "Conv",
            "separable_conv": "Conv",
        }[kind]
        args = []
        if kind in ("conv", "conv_transpose", "depthwise_conv", "separable_conv"):
            args += [str(cin), str(item.get("filters", cin))]
        args.append(f"kernel_size={_num(k)}")
        if s is not None:
            args.append(f"stride={_num(s)}")
        args.append(f"padding={pad!r}" if isinstance(pad, str) else f"padding={_num(pad)}")
        if item.get("output_padding") is not None:
            args.append(f"output_padding={_num(item['output_padding'])}")
        if item.get("ceil_mode"):
            args.append("ceil_mode=True")
        if item.get("use_bias") is False:
            args.append("bias=False")
        return f"nn.{name}{rank}d({', '.join(args)})"
    if fw == "keras":
        name = {
            "conv": f"Conv{rank}D",
            "conv_transpose": f"Conv{rank}DTranspose",
            "max_pool": f"MaxPooling{rank}D",
            "avg_pool": f"AveragePooling{rank}D",
            "depthwise_conv": f"DepthwiseConv{rank}D",
            "separable_conv": f"SeparableConv{rank}D",
        }[kind]
        args = []
        if "filters" in item:
            args.append(str(item["filters"]))
        args.append(_num(k))
        if s is not None:
            args.append(f"strides={_num(s)}")
        args.append(f"padding={pad!r}")
        if item.get("output_padding") is not None:
            args.append(f"output_padding={_num(item['output_padding'])}")
        if item.get("use_bias") is False:
            args.append("use_bias=False")
        return f"layers.{name}({', '.join(args)})"
    if fw == "jax":
        text = (
            repr(pad.upper())
            if isinstance(pad, str)
            else str([tuple(p) if isinstance(p, list) else (p, p) for p in pad])
        )
        if kind in ("max_pool", "avg_pool"):
            return f"nn.{kind}(x, window_shape={tuple(k)}, strides={tuple(s) if s else None}, padding={text})"
        name = "ConvTranspose" if kind == "conv_transpose" else "Conv"
        return f"nn.{name}({item.get('filters')}, kernel_size={tuple(k)}, strides={tuple(s) if s else 1}, padding={text})"
    # ONNX
    op = {
        "conv": "Conv",
        "conv_transpose": "ConvTranspose",
        "max_pool": "MaxPool",
        "avg_pool": "AveragePool",
        "depthwise_conv": "Conv",
        "separable_conv": "Conv",
    }[kind]
    attrs = [f"kernel_shape={list(k)}"]
    if s is not None:
        attrs.append(f"strides={list(s)}")
    if isinstance(pad, str):
        attrs.append(f"auto_pad={pad.upper()!r}")
    else:
        pairs = [p if isinstance(p, list) else [p, p] for p in pad]
        attrs.append(f"pads={[b for b, _ in pairs] + [a for _, a in pairs]}")
    if item.get("output_padding") is not None:
        attrs.append(f"output_padding={list(item['output_padding'])}")
    if item.get("ceil_mode"):
        attrs.append("ceil_mode=1")
    return f"{op}({', '.join(attrs)})"
