"""What planner says about one layer, in a form the framework oracles compare with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.shapes import LayerResult, infer
from planner.spec.network import Network


@dataclass
class Planned:
    """planner's verdict on one layer: a shape (no batch axis) or a refusal."""

    shape: tuple[int, ...] | None
    error: str | None
    padding: list[tuple[int, int]] | None
    params: int | None
    result: LayerResult


def plan_layer(
    framework: str,
    input_shape: list[int],
    layer: dict[str, Any],
    data_format: str | None = None,
) -> Planned:
    """Run planner on a one-layer network. ``input_shape`` has no batch axis and
    follows ``data_format`` (default: the framework's own)."""
    data: dict[str, Any] = {
        "name": "probe",
        "framework": framework,
        "input_shape": list(input_shape),
        "layers": [layer],
    }
    if data_format is not None:
        data["data_format"] = data_format
    net = Network.model_validate(data)
    result = infer(net).layers[0]
    return Planned(
        shape=tuple(result.output_shape) if result.output_shape is not None else None,
        error=result.error,
        padding=[tuple(p) for p in result.padding] if result.padding else None,
        params=result.params,
        result=result,
    )
