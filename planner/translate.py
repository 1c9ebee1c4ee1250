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

JAX's min and sum pooling (``reduce: min`` on a max pool, ``reduce: sum`` on an
average pool) travel in the items as ``reduce``; the code generator writes what each
target has for them (``planner.codegen``): min pooling is ``-max_pool(-x)`` (the
padding then holds +inf, as ``lax.min`` pads), sum pooling is PyTorch's average
pooling with ``divisor_override=1``, or an average pooling whose divisor is the
constant window size (no padding, or zero padding counted) times that size. A sum
ignores missing pixels and zeros alike, so windows in the same place suffice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from planner.codegen import CodeContext, layers_code
from planner.dialects import avg_counts_padding
from planner.errors import SolveError, SpecError
from planner.shapes import Tensor, infer
from planner.spec.loading import network_from_data
from planner.spec.network import FRAMEWORK_ALIASES, FRAMEWORKS, JAX_LEVELS, Network
from planner.symbolic.ops import is_int

CONV_TYPES = ("conv", "depthwise_conv", "separable_conv")
POOL_TYPES = ("max_pool", "avg_pool")
PAD_TYPES = ("zero_padding", "cropping")
TRANSLATABLE = (*CONV_TYPES, *POOL_TYPES, "conv_transpose", *PAD_TYPES, "upsample")
# Formats of the code each framework's layers take: PyTorch and ONNX are
# channels-first, Flax channels-last; Keras code keeps the network's format.
TARGET_CHANNELS_LAST = {"torch": False, "onnx": False, "jax": True}


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


def target_framework(name: str) -> str:
    """A framework name as ``--to`` or YAML spells it (``pytorch``, ``tensorflow``,
    ``flax``...) -> planner's (``torch``, ``keras``, ``jax``, ``onnx``)."""
    canonical = FRAMEWORK_ALIASES.get(name.lower(), name.lower())
    if name.lower() in JAX_LEVELS:
        canonical = "jax"
    if canonical not in FRAMEWORKS:
        valid = ", ".join(dict.fromkeys([*FRAMEWORKS, *FRAMEWORK_ALIASES, *JAX_LEVELS]))
        raise SpecError(f"unknown framework {name!r}; valid: {valid}", field="--to")
    return canonical


def translate(net: Network, layer_name: str, framework: str) -> Translation:
    """The exact equivalent of ``layer_name`` in ``framework``: same output size, same
    windows, same padding values; the code is generated from ``layers``.

    >>> import planner
    >>> net = planner.loads('''
    ... name: tf
    ... input_shape: [28, 28, 3]
    ... layers: [{type: Conv2D, filters: 8, kernel_size: 3, strides: 2, padding: same,
    ...           name: down}]
    ... ''')
    >>> t = translate(net, "down", "pytorch")
    >>> t.exact, t.code
    (True, 'nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 8, kernel_size=3, stride=2)')
    """
    level = JAX_LEVELS.get(framework.lower())  # --to flax / jax.lax names JAX's level
    framework = target_framework(framework)
    layer = net.layer(layer_name)
    if layer.type not in TRANSLATABLE:
        raise SolveError(
            f"layer '{layer_name}' is a {layer.type}; translation covers convolutions, "
            "transposed convolutions, pooling, upsampling, zero padding and cropping",
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
    source = Tensor(source_input, net.channels_last)
    spatial_in = source.spatial
    want_pad = [tuple(p) for p in (res.padding or [])]
    want_out = tuple(res.spatial)
    source_desc = f"{net.framework} {layer.shown_type} {_describe(layer)}"
    note = _input_note(net, layer)
    fill = _fill(net, layer)
    base = _base_fields(layer)
    if layer.type in POOL_TYPES and layer.strides is None:
        # Pool strides default differently (Keras/PyTorch: the window; Flax/ONNX: 1).
        from planner.dialects import get_dialect

        base["strides"] = [get_dialect(net.framework).pool_stride(k) for k in layer.pool_size]
    reduce = getattr(layer, "reduce", None)
    if reduce is not None:
        base["reduce"] = reduce
    elif layer.type == "avg_pool":
        base["count_include_pad"] = avg_counts_padding(net.framework, layer)
    if _input_dilation(layer):
        base["input_dilation"] = _input_dilation(layer)
    if framework == "jax" and layer.type in POOL_TYPES and (_needs_lax(base) or level == "lax"):
        base["api"] = "lax"
    channels_last = TARGET_CHANNELS_LAST.get(framework, net.channels_last)
    target_input = Tensor((), channels_last).with_spatial(spatial_in, source.channels).dims
    why = _unsupported(layer, framework, fill, base, net.channels_last)
    if why is None and level == "flax" and base.get("api") == "lax":
        why = (
            "flax.linen pooling has no sum and no dilation; jax.lax.reduce_window has "
            "(translate --to jax.lax)"
        )
    candidates = [] if why else _candidates(layer, framework, want_pad, fill, base)
    for items in candidates:
        got = _try(net, framework, channels_last, target_input, items)
        if got is None or got[0] != want_out:
            continue
        # Windows start at i*s - before and there are `out` of them: equal output sizes
        # and equal padding before place every window on the same pixels. Padding
        # layers must match on both sides.
        counted = layer.type == "avg_pool" and base.get("count_include_pad") is True
        # A sum pool needs its windows in the same place only (a missing pixel and a
        # zero add the same nothing), unless the target sums as a mean times the
        # window size: then every window must lie inside the padded input, as JAX's do.
        scaled = reduce == "sum" and framework in ("keras", "onnx")
        if layer.type in (*PAD_TYPES, "upsample") or counted or scaled:
            # Padding layers, and average pooling that divides by the padded window
            # (the padding after counts too), must match on both sides.
            matches = layer.type == "upsample" or got[1] == want_pad
        else:
            matches = [b for b, _ in got[1]] == [b for b, _ in want_pad]
        if matches:
            note = _join(note, _backend_note(framework, items, want_pad))
            if _empty_window_differs(
                net.framework, framework, layer, spatial_in, want_pad, want_out
            ):
                note = _join(note, EMPTY_WINDOW_NOTE)
            ctx = CodeContext(net.rank, source.channels, channels_last)
            return Translation(
                layer_name,
                source_desc,
                framework,
                True,
                items,
                layers_code(framework, items, ctx),
                None,
                note,
                want_pad or None,
                want_out,
            )
    return Translation(
        layer_name,
        source_desc,
        framework,
        False,
        reason=why or _why_not(layer, framework, want_pad, fill),
        padding=want_pad or None,
        output=want_out,
        note=note,
    )


def _needs_lax(base: dict[str, Any]) -> bool:
    """Whether a pool item needs ``jax.lax.reduce_window`` (Flax pooling has no sum
    and no dilation)."""
    dilated = any(d != 1 for d in [*base.get("dilation", []), *base.get("input_dilation", [])])
    return base.get("reduce") == "sum" or dilated


def _input_dilation(layer: Any) -> list[Any]:
    """JAX's input (base/lhs) dilation per axis, or [] where there is none."""
    value = getattr(layer, "input_dilation", 1)
    values = list(value) if isinstance(value, tuple | list) else [value]
    return values if any(v != 1 for v in values) else []


def _input_tensor(net: Network, result: Any, name: str) -> tuple[int, ...]:
    if name == net.input_name:
        return tuple(result.input_shape)
    return tuple(result[name].output_shape)


def _describe(layer: Any) -> str:
    if layer.type in PAD_TYPES:
        field = "padding" if layer.type == "zero_padding" else "cropping"
        text = f"{field} {[list(p) for p in getattr(layer, field)]}"
        mode = getattr(layer, "padding_mode", "constant")
        return text + (f", mode {mode!r}" if mode != "constant" else "")
    if layer.type == "upsample":
        size = f"scale {list(layer.scale)}" if layer.scale else f"size {list(layer.output_size)}"
        return f"{size}, mode {layer.mode!r}"
    k = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    parts = [f"kernel {list(k)}", f"strides {list(layer.strides) if layer.strides else 'default'}"]
    if any(d != 1 for d in layer.dilation):
        parts.append(f"dilation {list(layer.dilation)}")
    if _input_dilation(layer):
        parts.append(f"input dilation {_input_dilation(layer)}")
    parts.append(
        f"padding {layer.padding!r}"
        if isinstance(layer.padding, str)
        else f"padding {[list(p) for p in layer.padding]}"
    )
    if getattr(layer, "padding_mode", "zeros") != "zeros":
        parts.append(f"padding_mode {layer.padding_mode!r}")
    return ", ".join(parts)


def _base_fields(layer: Any) -> dict[str, Any]:
    """Every field the target layer carries over unchanged (padding aside)."""
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
    out: dict[str, Any] = {}
    for f in keep:
        if f in type(layer).model_fields and getattr(layer, f) is not None:
            value = getattr(layer, f)
            out[f] = list(value) if isinstance(value, tuple) else value
    return out


def _fill(net: Network, layer: Any) -> str:
    """What the padding holds: ``zeros`` (or -inf for max pooling, or nothing for
    average pooling), or the input's own values: ``reflect``, ``replicate``,
    ``circular`` (PyTorch ``padding_mode``, Flax ``'CIRCULAR'``/``'REFLECT'``)."""
    if layer.type in PAD_TYPES:
        mode = getattr(layer, "padding_mode", "constant")
        return "zeros" if mode == "constant" else mode
    if layer.type == "conv" and layer.padding_mode != "zeros":
        return layer.padding_mode
    if net.framework == "jax" and layer.padding in ("circular", "reflect"):
        return layer.padding
    return "zeros"


def _linear_mode(mode: str) -> bool:
    return mode.lower() in ("linear", "bilinear", "trilinear")


def _unsupported(
    layer: Any, framework: str, fill: str, base: dict[str, Any], net_channels_last: bool
) -> str | None:
    """Why no layer of ``framework`` can give the same values, when that is known
    before trying sizes."""
    if "input_dilation" in base and framework != "jax":
        return (
            f"input (base/lhs) dilation {base['input_dilation']} spreads the input with "
            f"holes before the window slides; {framework} has no such argument"
        )
    reduce = base.get("reduce")
    dilated = any(d != 1 for d in base.get("dilation", []))
    if layer.type in POOL_TYPES and dilated:
        if framework == "keras":
            return "Keras pooling has no dilation"
        if framework == "torch" and layer.type == "avg_pool":
            what = "sum" if reduce == "sum" else "average"
            return f"PyTorch's average pooling (which gives the {what} here) has no dilation"
    jax_avg = framework == "jax" and layer.type == "avg_pool" and reduce is None
    if jax_avg and (dilated or "input_dilation" in base):
        return (
            "flax.linen avg_pool has no dilation, and jax.lax.reduce_window has no "
            "average (only max, min and sum)"
        )
    if fill != "zeros" and framework == "keras":
        return (
            f"Keras has no {fill} padding (no ReflectionPadding-like layer, and its "
            "convolutions pad with zeros only)"
        )
    if (
        layer.type == "upsample"
        and framework == "keras"
        and layer.scale is not None
        and len(layer.scale) != 2
        and not net_channels_last
    ):
        return "Keras UpSampling1D and UpSampling3D take channels-last tensors only"
    if layer.type == "upsample":
        mode = layer.mode.lower()
        if mode != "nearest" and not _linear_mode(mode):
            return f"only nearest and (bi/tri)linear upsampling translate, not {layer.mode!r}"
        if _linear_mode(mode) and layer.align_corners:
            return "align_corners=True has no equivalent in Keras, Flax or ONNX 'half_pixel'"
        integer = layer.scale is not None and all(
            isinstance(v, int) or float(v).is_integer() for v in layer.scale
        )
        if not integer and framework in ("keras", "jax"):
            return f"{framework} upsampling here takes integer factors only; this layer " + (
                f"scales by {list(layer.scale)}" if layer.scale else "gives a fixed size"
            )
        if not integer and _linear_mode(mode):
            return "linear upsampling translates with integer factors only"
    return None


EMPTY_WINDOW_NOTE = (
    "a window here covers padding only: ONNX Runtime's MaxPool gives the lowest float "
    "(-3.4e38) there where the other frameworks give -inf (for min pooling, +3.4e38 "
    "and +inf)"
)


def _empty_window_differs(
    source: str,
    target: str,
    layer: Any,
    spatial_in: tuple[int, ...],
    pads: list[Any],
    spatial_out: tuple[int, ...],
) -> bool:
    """Whether a max (or min) pooling window lies wholly in the padding and one side
    of the translation is ONNX, whose MaxPool starts from the lowest float instead
    of -inf: its values differ there."""
    if layer.type != "max_pool" or (source == "onnx") == (target == "onnx") or not pads:
        return False
    from planner.dialects import get_dialect

    strides = layer.strides or [get_dialect(source).pool_stride(k) for k in layer.pool_size]
    axes = zip(spatial_in, layer.pool_size, strides, layer.dilation, pads, spatial_out, strict=True)
    for n, k, s, d, (before, _), out in axes:
        for i in range(out):
            start = i * s - before
            if not any(0 <= start + j * d < n for j in range(k)):
                return True
    return False


KERAS_TORCH_AVG_NOTE = (
    "on Keras' PyTorch backend, 'same' average pooling with more padding on one side "
    "averages edge copies, so values at that border differ (the shape does not); the "
    "TensorFlow and JAX backends give these values"
)


def _backend_note(framework: str, items: list[dict[str, Any]], pads: list[Any]) -> str | None:
    """Where one backend of the target framework gives other values than the rest."""
    last = items[-1]
    if (
        framework == "keras"
        and last["type"] == "avg_pool"
        and last.get("padding") == "same"
        and any(b != a for b, a in pads)
    ):
        return KERAS_TORCH_AVG_NOTE
    return None


def _join(*notes: str | None) -> str | None:
    text = "; ".join(n for n in notes if n)
    return text or None


def _input_note(net: Network, layer: Any) -> str | None:
    strides = getattr(layer, "strides", None) or ()
    padding = getattr(layer, "padding", None)
    if (
        isinstance(padding, str)
        and padding != "valid"
        and any(isinstance(s, int) and s > 1 for s in strides)
    ):
        return (
            f"'{padding}' padding depends on the input size modulo the stride; "
            "this translation is exact for this input size (and every size with the same "
            "remainder)"
        )
    return None


def _candidates(
    layer: Any,
    framework: str,
    pads: list[tuple[int, int]],
    fill: str,
    base: dict[str, Any],
) -> Any:
    """Lists of target layers (structured items) to try, simplest first."""
    kind = layer.type
    if kind in PAD_TYPES:
        yield from _pad_candidates(framework, pads, fill)
        return
    if kind == "upsample":
        item: dict[str, Any] = {"type": "upsample"}
        if layer.scale is not None:
            item["scale"] = [int(v) if float(v).is_integer() else v for v in layer.scale]
        else:
            item["output_size"] = list(layer.output_size)
        item["mode"] = "nearest" if layer.mode.lower() == "nearest" else "bilinear"
        yield [item]
        return
    symmetric = all(b == a for b, a in pads)
    nonneg = all(b >= 0 and a >= 0 for b, a in pads)
    pairs = [[b, a] for b, a in pads]

    def one(fields: dict[str, Any], prefix: list[dict[str, Any]] | None = None) -> list:
        return [*(prefix or []), {"type": kind, **base, **fields}]

    if fill != "zeros":
        # The padding holds the input's own values: a padding mode of the target, or
        # a padding layer with that mode in front of an unpadded convolution.
        if not nonneg:
            return
        pad_layer = {"type": "zero_padding", "padding": pairs, "padding_mode": fill}
        if framework == "torch" and symmetric:
            yield one({"padding": [b for b, _ in pads], "padding_mode": fill})
        if framework == "jax" and fill in ("circular", "reflect"):
            yield one({"padding": fill})
        yield one({"padding": "valid"}, [pad_layer])
        return
    if kind in CONV_TYPES or kind in POOL_TYPES:
        modes = {
            "keras": ["valid", "same"],
            "torch": ["valid", "same"] if kind in CONV_TYPES else [],
            "jax": ["valid", "same", "same_lower"],
            "onnx": ["valid", "same_upper", "same_lower"],
        }[framework]
        # Average pooling that counts the padding: Keras' 'same' never does, and
        # ceil_mode's overhang is never counted; a zero padding layer in front is.
        counted = kind == "avg_pool" and base.get("count_include_pad") is True
        # Sum pooling outside JAX is average pooling times the window size, so the
        # divisor must be that size: no 'same' (Keras and ONNX divide by the real
        # pixels there) and no ceil_mode overhang in ONNX; zero padding in front is
        # counted. (PyTorch's divisor_override=1 sums whatever the padding.)
        summed = base.get("reduce") == "sum" and framework != "jax"
        constant_divisor = counted or (summed and framework in ("keras", "onnx"))
        for mode in modes:
            if not (constant_divisor and framework in ("keras", "onnx") and mode != "valid"):
                yield one({"padding": mode})
        if symmetric and nonneg and not (summed and framework == "keras"):
            yield one({"padding": [b for b, _ in pads]})
        if (counted or summed) and nonneg:
            unpadded = "valid" if framework in ("keras", "jax") else [0] * len(pads)
            yield one({"padding": unpadded}, [{"type": "zero_padding", "padding": pairs}])
        ceil_ok = not counted and not (summed and framework == "onnx")
        if kind in POOL_TYPES and framework in ("torch", "onnx") and ceil_ok:
            # TensorFlow 'same' pooling: the extra pixels after are ignored by ceil_mode.
            lows = [b for b, _ in pads]
            yield one(
                {
                    "padding": lows if framework == "torch" else [[b, b] for b in lows],
                    "ceil_mode": True,
                }
            )
        if framework in ("jax", "onnx") and nonneg:
            yield one({"padding": pairs})
        if kind in CONV_TYPES and framework in ("torch", "keras") and nonneg:
            low = [min(b, a) for b, a in pads]
            extra = [[b - m, a - m] for (b, a), m in zip(pads, low, strict=True)]
            if framework == "torch":
                yield one({"padding": low}, [{"type": "zero_padding", "padding": extra}])
            else:
                yield one({"padding": "valid"}, [{"type": "zero_padding", "padding": pairs}])
        return
    # Transposed convolution: pads are the forward padding (crops of the full output).
    if framework == "torch":
        if all(b >= a for b, a in pads):
            yield one({"padding": [b for b, _ in pads], "output_padding": [b - a for b, a in pads]})
    elif framework == "keras":
        strides = layer.strides
        for mode in ("valid", "same"):
            yield one({"padding": mode})
            for ops in product(*[range(s) for s in strides]):
                yield one({"padding": mode, "output_padding": list(ops)})
    elif framework == "jax":
        k = layer.kernel_size
        d = layer.dilation
        eks = [(ki - 1) * di + 1 for ki, di in zip(k, d, strict=True)]
        for mode in ("same", "valid"):
            yield one({"padding": mode})
        yield one(
            {"padding": [[ek - 1 - b, ek - 1 - a] for ek, (b, a) in zip(eks, pads, strict=True)]}
        )
    elif framework == "onnx":
        for mode in ("same_upper", "same_lower", "valid"):
            yield one({"padding": mode})
        op = [max(-a, 0) for _, a in pads]
        yield one(
            {
                "padding": [[b, a + o] for (b, a), o in zip(pads, op, strict=True)],
                "output_padding": op,
            }
        )


def _pad_candidates(framework: str, pads: list[tuple[int, int]], fill: str) -> Any:
    """A padding (or, negative, cropping) layer: one layer where the framework's
    padding layer crops too (PyTorch ``ZeroPad``, ONNX ``Pad``), else a cropping layer
    then a padding layer (Keras, Flax)."""
    pairs = [[b, a] for b, a in pads]
    mode = "constant" if fill == "zeros" else fill
    if framework in ("torch", "onnx") or mode != "constant":
        yield [{"type": "zero_padding", "padding": pairs, "padding_mode": mode}]
        return
    grow = [[max(b, 0), max(a, 0)] for b, a in pads]
    crop = [[max(-b, 0), max(-a, 0)] for b, a in pads]
    items = []
    if any(c != [0, 0] for c in crop):
        items.append({"type": "cropping", "cropping": crop})
    if any(g != [0, 0] for g in grow) or not items:
        items.append({"type": "zero_padding", "padding": grow})
    yield items


def _try(
    net: Network,
    framework: str,
    channels_last: bool,
    target_input: tuple[int, ...],
    items: list[dict[str, Any]],
) -> tuple[Any, Any] | None:
    """The output size and the padding per side of ``items`` in ``framework``, by
    planner's arithmetic for that framework; None when it refuses them."""
    layers = [_probe_item(item, framework) for item in items]
    layers[-1]["name"] = "target"
    data = {
        "name": "translate",
        "framework": framework,
        "data_format": "channels_last" if channels_last else "channels_first",
        "input_shape": list(target_input),
        "layers": layers,
    }
    try:
        probe = network_from_data(data)
        result = infer(probe)
    except (SpecError, SolveError):
        return None
    if not result.ok or not result.layers:
        return None
    # Padding layers in front add to the layer's own, side by side.
    pads: list[tuple[Any, Any]] | None = None
    for layer in result.layers:
        if layer.padding is None:
            continue
        mine = [tuple(p) for p in layer.padding]
        pads = (
            mine
            if pads is None
            else [(b + fb, a + fa) for (b, a), (fb, fa) in zip(mine, pads, strict=True)]
        )
    return tuple(result.layers[-1].spatial), pads or []


def _probe_item(item: dict[str, Any], framework: str) -> dict[str, Any]:
    """The item as a layer of ``framework``: outside JAX a min (sum) pool is sized as
    the max (average) pool its code is built from."""
    out = dict(item)
    if framework != "jax":
        out.pop("reduce", None)
    return out


def _why_not(layer: Any, framework: str, pads: list[tuple[int, int]], fill: str) -> str:
    text = ", ".join(f"{b}|{a}" for b, a in pads)
    if fill != "zeros" and any(b < 0 or a < 0 for b, a in pads):
        return f"{fill} padding of {text} (before|after) includes negative amounts"
    if layer.type == "conv_transpose" and framework == "torch":
        return (
            f"PyTorch's ConvTranspose crops the same amount on both sides and adds "
            f"output_padding only after; this layer crops {text} (before|after), more after "
            "than before. Crop the output yourself after a smaller padding"
        )
    if layer.type in POOL_TYPES:
        reduce = getattr(layer, "reduce", None)
        why = {
            "min": "zero padding in front would change what a min pool sees at the border, "
            "where it pads with +inf",
            "sum": "a sum pool is an average pool times a constant window size there, "
            "which takes windows of a constant size",
        }.get(
            reduce or "",
            "zero padding in front would change what a max pool sees at the border, and "
            "what an average pool divides by",
        )
        return (
            f"{framework} pooling cannot pad {text} (before|after) on its own with the same "
            f"values ({why})"
        )
    if layer.type in PAD_TYPES:
        return f"{framework} cannot pad {text} (before|after) with {fill} values"
    if layer.type == "upsample":
        return f"{framework} has no upsampling to the same size with the same values"
    return f"no {framework} configuration pads {text} (before|after) per axis"
