"""Build a planner ``Network`` as a real model: Keras 3 (``to_keras``) or PyTorch
(``to_torch``).

The exported model is the network the description means, in the target framework:
every layer keeps its planner name (Keras: ``model.get_layer(name)``; PyTorch:
``module.layer(name)``), so a framework can be asked for each layer's shape and
parameter count and compared with ``planner.infer``. Where the target framework
has no argument for what the network's framework does (PyTorch has no ``'same'``
for strided convolutions, Keras no explicit padding amounts), the exporter adds a
padding or cropping layer with the per-side amounts planner resolved.

Importing this package imports no framework: ``to_keras`` and ``to_torch`` load
their modules (and Keras or PyTorch) on first use.

This module also holds the framework-free checks both exporters share.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from planner.errors import SpecError
from planner.spec.values import Unknown

if TYPE_CHECKING:
    from planner.export.keras_model import to_keras
    from planner.export.source import to_source
    from planner.export.torch_model import to_torch
    from planner.spec.network import Network

__all__ = ["to_keras", "to_source", "to_torch"]

_LAZY = {
    "to_keras": "planner.export.keras_model",
    "to_source": "planner.export.source",
    "to_torch": "planner.export.torch_model",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from planner.arguments import checked

        function = getattr(importlib.import_module(_LAZY[name]), name)
        return checked(function, f"planner.export.{name}")
    raise AttributeError(f"module 'planner.export' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


# --- checks shared by both exporters -------------------------------------------------


def resolved_pads(result: Any, layer: Any, framework: str) -> list[tuple[int, int]]:
    """The per-side padding planner resolved for ``layer`` (its inference ``result``),
    for a padding the target ``framework`` has no argument for."""
    if result.error is not None or result.padding is None:
        raise SpecError(
            f"its padding {layer.padding!r} has no {framework} argument, and planner could "
            f"not resolve it to per-side amounts ({result.error or 'no padding reported'})",
            layer=layer.name,
            field="padding",
        )
    return [(int(b), int(a)) for b, a in result.padding]


def adaptive_sizes(inference: Any, layer: Any) -> tuple[int, ...] | None:
    """The output sizes of an adaptive pool (``output_size`` given, ``None`` entries
    resolved to the input's size by planner), or None for a pool to one value."""
    if getattr(layer, "output_size", None) is None:
        return None
    result = inference[layer.name]
    if result.error is not None or not result.spatial:
        raise SpecError(
            f"adaptive pooling to {layer.output_size}: planner could not resolve its output "
            f"size ({result.error or 'no spatial output'})",
            layer=layer.name,
            field="output_size",
        )
    return tuple(int(d) for d in result.spatial)


def check_buildable(net: Network) -> None:
    """Refuse a network that a framework cannot build: a symbolic input size
    (``H``) or a field holding an unknown (``?p``) has no value to build with."""
    symbolic = [d for d in net.input_shape if isinstance(d, str | Unknown)]
    if symbolic:
        raise SpecError(
            f"the input shape {[str(d) for d in net.input_shape]} has symbolic sizes "
            f"({', '.join(str(d) for d in symbolic)}); a framework model cannot be built "
            "until every size is a number",
            field="input_shape",
        )
    for layer in net.layers:
        for name in type(layer).model_fields:
            found = _first_unknown(getattr(layer, name))
            if found is not None:
                raise SpecError(
                    f"holds the unknown {found}; a framework model cannot be built until it "
                    "has a value (solve the network first)",
                    layer=layer.name,
                    field=name,
                )


def check_jax_only(net: Network, target: str) -> None:
    """Refuse what only JAX computes where the ``target`` exporter does not write it:
    min and sum pooling (``reduce``) outside Flax, and input (base/lhs) dilation
    anywhere; an exporter building a plain max or average pool instead would be
    wrong without a word. ``planner translate`` prints exact code for a min or sum pool."""
    for layer in net.layers:
        reduce = getattr(layer, "reduce", None)
        if reduce is not None and target != "flax":
            plain = "a max" if reduce == "min" else "an average"
            raise SpecError(
                f"{reduce} pooling (reduce: {reduce!r}) has no {target} layer, and {plain} "
                f"pool would give other values; `planner translate NET {layer.name} --to "
                f"{target}` prints exact code for it",
                layer=layer.name,
                field="reduce",
            )
        dilation = getattr(layer, "input_dilation", 1)
        values = dilation if isinstance(dilation, tuple | list) else (dilation,)
        if any(v != 1 for v in values):
            raise SpecError(
                f"input (base/lhs) dilation {list(values)} is not written by the {target} "
                "exporter (only jax.lax and Flax have it)",
                layer=layer.name,
                field="input_dilation",
            )


def _first_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, tuple | list):
        for v in value:
            found = _first_unknown(v)
            if found is not None:
                return found
    return None


# Activation spellings -> one canonical key. Names compare lower-cased with ``_``,
# ``-`` and spaces removed, so ``leaky_relu``, ``LeakyReLU`` and ``leakyrelu`` agree.
ACTIVATIONS: tuple[str, ...] = (
    "linear", "relu", "relu6", "leakyrelu", "prelu", "elu", "selu", "celu", "gelu",
    "silu", "mish", "sigmoid", "hardsigmoid", "logsigmoid", "tanh", "hardtanh",
    "tanhshrink", "softmax", "logsoftmax", "softplus", "softsign", "hardswish",
)  # fmt: skip
_ACTIVATION_ALIASES = {
    "identity": "linear",
    "none": "linear",
    "swish": "silu",
    "hardsilu": "hardswish",
}


def activation_key(name: str, layer: str | None, field: str = "activation") -> str:
    """The canonical key of an activation name, or ``SpecError`` naming the layer.

    >>> activation_key("Leaky_ReLU", "act")
    'leakyrelu'
    """
    key = name.lower().replace("_", "").replace("-", "").replace(" ", "")
    key = _ACTIVATION_ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        raise SpecError(
            f"activation {name!r} has no mapping to a framework activation; known: "
            f"{', '.join(ACTIVATIONS)}",
            layer=layer,
            field=field,
        )
    return key


def leaky_slope(framework: str, raw_name: str, given: float | None) -> float:
    """LeakyReLU's negative slope: as given, else the network framework's default.

    Keras has two defaults: the ``LeakyReLU`` layer uses 0.3 and the function
    ``activation='leaky_relu'`` 0.2 (the spelling with ``_`` is the function's);
    PyTorch, Flax and ONNX use 0.01.
    """
    if given is not None:
        return float(given)
    if framework == "keras":
        return 0.2 if "_" in raw_name else 0.3
    return 0.01


def gelu_approximate(framework: str) -> bool:
    """Keras' ``gelu`` defaults to the tanh approximation; PyTorch's ``GELU`` does not."""
    return framework in ("keras", "jax")
