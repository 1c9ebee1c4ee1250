"""Spec values as inference sees them: ints stay ints, an ``Unknown`` takes its given
value or becomes a symbol, a name like ``H`` becomes a symbol."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.errors import SpecError
from planner.spec import layers as L
from planner.spec.values import Unknown
from planner.symbolic.ops import symbol


class Resolver:
    """Turns spec values (ints, unknowns, symbols) into ints or sympy symbols."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = values

    def __call__(self, value: Any) -> Any:
        if type(value) is int:
            return value
        if isinstance(value, Unknown):
            if value.name in self.values:
                return self.values[value.name]
            if value.choices is not None:
                raise SpecError(
                    f"'{value}' chooses between {list(value.choices)}; forward inference needs "
                    "a value for it (solve the network instead)"
                )
            return symbol(value.name)
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, str) and value and value[0].isalpha() and value not in L.PADDING_MODES:
            return symbol(value)
        return value


class Resolved:
    """A layer view whose per-axis fields are resolved (unknowns as values/symbols)."""

    def __init__(self, layer: Any, resolve: Resolver):
        self._layer = layer
        self._resolve = resolve

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._layer, name)
        if name in ("type", "name"):
            return value
        return self._resolve(value) if isinstance(value, tuple | Unknown) else value
