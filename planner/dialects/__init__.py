"""Each framework's exact shape arithmetic, behind one small protocol (``Dialect``)."""

from __future__ import annotations

from typing import Any

from planner.dialects.base import AxisContext, AxisResult, Condition, Dialect
from planner.dialects.jax import JaxDialect
from planner.dialects.keras import KerasDialect
from planner.dialects.onnx import OnnxDialect
from planner.dialects.torch import TorchDialect

DIALECTS: dict[str, Dialect] = {
    d.name: d for d in (KerasDialect(), TorchDialect(), JaxDialect(), OnnxDialect())
}


def get_dialect(framework: str) -> Dialect:
    """The dialect of ``framework`` (``keras``, ``torch``, ``jax`` or ``onnx``)."""
    try:
        return DIALECTS[framework]
    except KeyError:
        from planner.errors import SpecError

        raise SpecError(
            f"unknown framework {framework!r}; valid: {', '.join(DIALECTS)}", field="framework"
        ) from None


def avg_counts_padding(framework: str, layer: Any) -> bool:
    """Whether ``framework``'s average pooling divides by the padded window
    (PyTorch and Flax by default) or by the real pixels in it (Keras/TensorFlow
    always, ONNX by default): the one answer export and translate share."""
    if framework == "keras":
        return False
    if "count_include_pad" in layer.model_fields_set:
        return bool(layer.count_include_pad)
    return framework in ("torch", "jax")


def layer_notes(net: Any) -> list[tuple[str, str]]:
    """``(layer name, note)`` for every backend caveat of ``net``'s layers."""
    dialect = get_dialect(net.framework)
    return [(layer.name, note) for layer in net.layers for note in dialect.notes(layer)]


__all__ = [
    "DIALECTS",
    "AxisContext",
    "AxisResult",
    "Condition",
    "Dialect",
    "avg_counts_padding",
    "get_dialect",
    "layer_notes",
]
