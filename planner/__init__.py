"""planner: plan convolutional networks and solve their shapes, exactly, per framework.

>>> import planner
>>> net = planner.load("keras-autoencoder")
>>> result = planner.infer(net)
>>> result.output_shape
(28, 28, 1)
>>> planner.infer(net, input_shape=["H", "W", 1]).output_shape[0]
8*ceiling(H/8) - 4

``import planner`` stays light: it never imports torch, keras, jax, onnx, textual or
click, and the public names below are imported on first use, so a numeric question
never imports sympy or the solver.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import (
    ArgumentError,
    FileError,
    PlannerError,
    ShapeError,
    SolveError,
    SpecError,
    received_text,
)

if TYPE_CHECKING:
    from planner.costs import CostResult, cost
    from planner.files import write_network
    from planner.fixes import Fix, FixResult, apply_fix, fixes
    from planner.presets import preset_names
    from planner.shapes import Inference, LayerResult, infer
    from planner.solver import InputsResult, SolveResult, Target, solve, valid_inputs
    from planner.spec.network import Network
    from planner.spec.values import Unknown
    from planner.translate import Translation, translate

# Public names imported on first use, so that ``import planner`` costs little and a
# numeric question never imports sympy or the solver.
_LAZY: dict[str, str] = {
    "cost": "planner.costs",
    "CostResult": "planner.costs",
    "Fix": "planner.fixes",
    "FixResult": "planner.fixes",
    "apply_fix": "planner.fixes",
    "fixes": "planner.fixes",
    "write_network": "planner.files",
    "preset_names": "planner.presets",
    "Inference": "planner.shapes",
    "LayerResult": "planner.shapes",
    "infer": "planner.shapes",
    "InputsResult": "planner.solver",
    "SolveResult": "planner.solver",
    "Target": "planner.solver",
    "solve": "planner.solver",
    "valid_inputs": "planner.solver",
    "Network": "planner.spec.network",
    "Unknown": "planner.spec.values",
    "Translation": "planner.translate",
    "translate": "planner.translate",
}

# The public functions check their arguments' types once, here at the boundary
# (planner.arguments), so a caller's mistake is an ArgumentError, not a traceback.
_CHECKED = frozenset({"infer", "solve", "valid_inputs", "fixes", "translate"})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if name in _CHECKED:
        from planner.arguments import checked

        value = checked(value, f"planner.{name}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Planner(types.ModuleType):
    """Keeps ``planner.fixes`` and ``planner.translate`` the public functions: importing
    the submodules of the same names would otherwise rebind them to the modules."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Planner


__version__ = "0.1.0"


def load(source: str | Path | dict[str, Any] | Network) -> Network:
    """Load a network from a preset name, a YAML/JSON path, a dict or a ``Network``.

    >>> load("unet-original").input_shape
    [572, 572, 1]
    """
    from planner.presets import resolve
    from planner.spec.loading import load_path, network_from_data
    from planner.spec.network import Network

    if isinstance(source, Network):
        return source
    if isinstance(source, dict):
        return network_from_data(source)
    if not isinstance(source, str | Path) or (isinstance(source, str) and not source.strip()):
        raise ArgumentError(
            "planner.load takes a preset name (see planner.preset_names()), a path to a "
            "YAML or JSON file, a dict or a Network; received "
            f"{received_text(source)}"
            + (". For YAML text use planner.loads(text)" if isinstance(source, bytes) else ""),
            field="source",
        )
    return load_path(resolve(source))


def loads(text: str, source: str = "<string>") -> Network:
    """Load a network from YAML or JSON text."""
    from planner.spec.loading import loads as _loads

    return _loads(text, source)


__all__ = [
    "ArgumentError",
    "CostResult",
    "FileError",
    "Fix",
    "FixResult",
    "Inference",
    "InputsResult",
    "LayerResult",
    "Network",
    "PlannerError",
    "ShapeError",
    "SolveError",
    "SolveResult",
    "SpecError",
    "Target",
    "Translation",
    "Unknown",
    "__version__",
    "apply_fix",
    "cost",
    "fixes",
    "infer",
    "load",
    "loads",
    "preset_names",
    "solve",
    "translate",
    "valid_inputs",
    "write_network",
]
