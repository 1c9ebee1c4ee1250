"""Each framework's exact shape arithmetic, behind one small protocol (``Dialect``)."""

from __future__ import annotations

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


__all__ = ["DIALECTS", "AxisContext", "AxisResult", "Condition", "Dialect", "get_dialect"]
