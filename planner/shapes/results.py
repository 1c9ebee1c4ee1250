"""What inference reports: one ``LayerResult`` per layer, gathered in an ``Inference``.

Sizes in results are ``int`` or sympy expressions; ``to_dict`` turns them into JSON
data (ints stay ints, formulas become strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.dialects import Condition
from planner.shapes.tensor import Tensor
from planner.spec.network import Network
from planner.symbolic.ops import Dim, is_int, render, to_int


@dataclass(slots=True)
class LayerResult:
    """What one layer does to the shape, as the framework computes it."""

    name: str
    type: str
    inputs: list[str]
    output_shape: tuple[Dim, ...] | None = None
    params: Dim | None = None
    padding: list[tuple[Dim, Dim]] | None = None
    formula: str | None = None
    error: str | None = None
    conditions: list[Condition] = field(default_factory=list)
    spatial: tuple[Dim, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "inputs": list(self.inputs),
            "output_shape": to_data(self.output_shape),
            "params": to_data(self.params),
            "padding": to_data(self.padding),
            "formula": self.formula,
            "error": self.error,
            "conditions": [c.message + f" ({render(c.expr)})" for c in self.conditions]
            if self.conditions
            else [],
        }


@dataclass
class Inference:
    """Every layer's result, in network order, plus the input."""

    network: Network
    framework: str
    input_shape: tuple[Dim, ...]
    layers: list[LayerResult]

    @property
    def ok(self) -> bool:
        return all(layer.ok for layer in self.layers)

    @property
    def first_error(self) -> LayerResult | None:
        return next((layer for layer in self.layers if not layer.ok), None)

    @property
    def output(self) -> LayerResult | None:
        return self.layers[-1] if self.layers else None

    @property
    def output_shape(self) -> tuple[Dim, ...] | None:
        if not self.layers:
            return self.input_shape
        return self.layers[-1].output_shape

    @property
    def total_params(self) -> Dim:
        return sum((layer.params or 0 for layer in self.layers), 0)

    @property
    def input_spatial(self) -> tuple[Dim, ...]:
        return Tensor(self.input_shape, self.network.channels_last).spatial

    @property
    def sizes(self) -> dict[str, tuple[Dim, ...]]:
        """Spatial sizes by tensor name: the input and every layer that ran."""
        out = {self.network.input_name: self.input_spatial}
        for layer in self.layers:
            if layer.ok:
                out[layer.name] = layer.spatial
        return out

    @property
    def conditions(self) -> list[Condition]:
        return [c for layer in self.layers for c in layer.conditions]

    def __getitem__(self, name: str) -> LayerResult:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network.name,
            "framework": self.framework,
            "data_format": self.network.data_format,
            "input_shape": to_data(self.input_shape),
            "output_shape": to_data(self.output_shape),
            "total_params": to_data(self.total_params),
            "ok": self.ok,
            "layers": [layer.to_dict() for layer in self.layers],
        }


def to_data(value: Any) -> Any:
    """JSON data for a size, a shape or padding: ints as ints, formulas as text."""
    kind = type(value)
    if kind is int or value is None or kind is bool:
        return value
    if kind is tuple or kind is list or isinstance(value, tuple | list):
        return [v if type(v) is int else to_data(v) for v in value]
    if is_int(value):
        return value
    value = to_int(value)
    return value if is_int(value) else render(value)
