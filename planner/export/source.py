"""Write a planner ``Network`` as readable source code: Keras, PyTorch or Flax.

``to_source(net, "torch")`` gives a module file with one ``nn.Module`` class;
``"keras"`` a function building a functional ``keras.Model``; ``"flax"`` (or
``"jax"``) a ``flax.linen.Module``. Each planner layer keeps its name (an attribute
of the module, a Keras layer name, a Flax submodule name), so the shapes of the
generated model can be compared with ``planner.infer`` layer by layer.

There is one source of truth for what each layer becomes: the live exporters
(``to_torch``, ``to_keras``) decide it, and this module writes the objects they
build as code. Every padding planner resolved stays visible: a pad the target has
no argument for is its own layer with a comment giving the per-side amounts and
why. Where the target cannot express an operation exactly (TensorFlow's ``'same'``
average pooling, whose divisor leaves the padding out, in PyTorch), the generated
file carries the small helper class that does, copied from the exporter itself.

Writing the code builds the exporter's objects, so it imports the target framework
(PyTorch on the ``meta`` device: no memory; Keras without running it).
"""

from __future__ import annotations

import inspect
import keyword
import math
import re
from typing import TYPE_CHECKING, Any

from planner.errors import SpecError
from planner.export import check_buildable, check_jax_only

if TYPE_CHECKING:
    from planner.shapes import Inference
    from planner.spec.network import Network

TARGETS = ("keras", "torch", "flax")
_TARGET_ALIASES = {"pytorch": "torch", "jax": "flax", "tensorflow": "keras", "tf": "keras"}


def target_name(framework: str) -> str:
    """The canonical export target for ``framework`` (``jax`` -> ``flax``).

    >>> target_name("PyTorch")
    'torch'
    """
    key = _TARGET_ALIASES.get(framework.lower(), framework.lower())
    if key not in TARGETS:
        raise SpecError(
            f"cannot export to {framework!r}; valid targets: {', '.join(TARGETS)}", field="--to"
        )
    return key


def to_source(net: Network, framework: str) -> str:
    """Python source code building ``net`` in ``framework`` (keras, torch or flax).

    Raises ``SpecError`` naming the layer when the target cannot build it exactly.

    >>> import planner
    >>> code = to_source(planner.load("dcgan-discriminator"), "torch")
    >>> "class DcganDiscriminator(nn.Module):" in code
    True
    """
    target = target_name(framework)
    check_buildable(net)
    check_jax_only(net, target)
    from planner.shapes import infer

    inference = infer(net)
    if target == "torch":
        from planner.export.source_torch import torch_source

        return torch_source(net, inference)
    if target == "keras":
        from planner.export.source_keras import keras_source

        return keras_source(net, inference)
    from planner.export.source_flax import flax_source

    return flax_source(net, inference)


# --- shared by the three writers --------------------------------------------------------


def class_name(name: str) -> str:
    """A Python class name for a network name (``unet-original`` -> ``UnetOriginal``).

    >>> class_name("unet-original"), class_name("3d net")
    ('UnetOriginal', 'Net3dNet')
    """
    words = re.findall(r"[A-Za-z0-9]+", name)
    out = "".join(w[:1].upper() + w[1:] for w in words) or "Network"
    return f"Net{out}" if out[0].isdigit() else out


class Names:
    """Python identifiers for layer names, unique and clear of reserved words."""

    def __init__(self, reserved: tuple[str, ...] = ()):
        self.taken: set[str] = set(reserved)
        self.by_layer: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name in self.by_layer:
            return self.by_layer[name]
        ident = re.sub(r"\W", "_", name) or "layer"
        if ident[0].isdigit():
            ident = f"l_{ident}"
        if keyword.iskeyword(ident):
            ident += "_"
        while ident in self.taken:
            ident += "_"
        self.taken.add(ident)
        self.by_layer[name] = ident
        return ident


def literal(value: Any) -> str:
    """Python source for a plain value (tuples stay tuples, -inf and nan spelled out).

    >>> literal((1, 2)), literal(float("-inf")), literal([0.5, "a"])
    ('(1, 2)', "float('-inf')", "[0.5, 'a']")
    """
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def compact(value: Any) -> Any:
    """One value for per-axis tuples whose entries are equal (``(3, 3)`` -> ``3``)."""
    if (
        isinstance(value, tuple)
        and value
        and not isinstance(value[0], tuple | list)
        and all(v == value[0] for v in value)
    ):
        return value[0]
    return value


def axis_letters(rank: int) -> list[str]:
    return {1: ["W"], 2: ["H", "W"], 3: ["D", "H", "W"]}.get(rank, [f"x{i}" for i in range(rank)])


def pads_text(pairs: list[tuple[int, int]]) -> str:
    """Per-side amounts by axis: ``H (0, 1), W (0, 1)``."""
    letters = axis_letters(len(pairs))
    return ", ".join(f"{a} {tuple(p)}" for a, p in zip(letters, pairs, strict=True))


def padding_comment(net: Network, layer: Any, inference: Inference, target: str) -> str | None:
    """Why a layer's padding became an explicit pad, with the per-side amounts."""
    field = "cropping" if layer.type == "cropping" else "padding"
    mode = getattr(layer, field, None)
    result = inference[layer.name]
    pads = result.padding
    if layer.type == "cropping":
        pairs = [(int(b), int(a)) for b, a in mode]
        return f"{layer.name}: crop per side (before, after) {pads_text(pairs)}"
    if layer.type == "crop_to" and pads is not None:
        pairs = [(-int(b), -int(a)) for b, a in pads]
        text = (
            f"{layer.name}: cropped to the size of '{layer.like}' (split {layer.split}); for "
            f"this input, crop per side (before, after) {pads_text(pairs)} (negative: pad)"
        )
        if target == "PyTorch":
            return text + "; CropTo computes the amounts at run time, for any input size"
        return text + (
            f"; {target} has no layer cropping to another tensor's size, so these amounts "
            "hold for this input size only"
        )
    if mode is None or pads is None:
        return None
    pairs = [(int(b), int(a)) for b, a in pads]
    if layer.type == "zero_padding":
        return f"{layer.name}: pad per side (before, after) {pads_text(pairs)}"
    written = f"'{mode}'" if isinstance(mode, str) else "explicit amounts"
    if all(p == (0, 0) for p in pairs):
        return None
    why = {
        "same": f"{net.framework} 'same' puts the odd pixel after",
        "same_upper": "ONNX SAME_UPPER puts the odd pixel after",
        "same_lower": "ONNX SAME_LOWER puts the odd pixel before",
        "causal": "'causal' pads before only",
    }.get(mode if isinstance(mode, str) else "", "")
    sym = all(b == a for b, a in pairs)
    text = f"{layer.name}: padding {written} = per side (before, after) {pads_text(pairs)}"
    if layer.type == "conv_transpose":
        return f"{text}; the full output is cropped by these amounts (negative: extended)"
    crops = any(b < 0 or a < 0 for b, a in pairs)
    keras_layers = "ZeroPadding/Cropping layers run" if crops else "a ZeroPadding layer runs"
    consequence = {
        "PyTorch": "PyTorch pads both sides alike, so an explicit pad runs first"
        + (" (negative amounts crop)" if crops else ""),
        "Keras": f"Keras has no argument for these amounts, so {keras_layers} first",
        "Flax": "Flax takes these pairs as they are",
    }.get(target, "")
    if not sym:
        return "; ".join(t for t in (text, why, consequence) if t)
    return text


def comment_lines(text: str | None, width: int = 84) -> list[str]:
    """``text`` as ``#`` comment lines of at most ``width`` characters."""
    import textwrap

    if not text:
        return []
    return [f"# {line}" for line in textwrap.wrap(text, width)]


def module_docstring(net: Network, target: str, shape_note: str) -> str:
    from planner import __version__

    lines = [
        f'"""{net.name}: {net.description or "a network planned with planner"}.',
        "",
        f"Generated by planner {__version__} from a {net.framework} plan "
        f"({net.data_format}) for {target}.",
        shape_note,
        "Every padding planner resolved is written out; explicit pads carry a comment",
        "with the per-side amounts (before, after) and why.",
        '"""',
    ]
    return "\n".join(lines)


def helper_source(cls: type, name: str) -> str:
    """The source of one of the exporter's helper classes, renamed ``name``."""
    text = inspect.getsource(cls)
    return re.sub(rf"\b{re.escape(cls.__name__)}\b", name, text)
