"""planner: plan convolutional networks and solve their shapes, exactly, per framework.

>>> import planner
>>> net = planner.load("keras-autoencoder")
>>> result = planner.infer(net)
>>> result.output_shape
(28, 28, 1)
>>> planner.infer(net, input_shape=["H", "W", 1]).output_shape[0]
8*ceiling(H/8) - 4

``import planner`` stays light: it never imports torch, keras, jax, onnx, textual or
typer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError, ShapeError, SolveError, SpecError
from planner.fixes import Fix, FixResult, apply_fix, fixes, write_network
from planner.presets import preset_names
from planner.solver import InputsResult, SolveResult, Target, solve, valid_inputs
from planner.spec.network import Network
from planner.spec.values import Unknown
from planner.symbolic.inference import Inference, LayerResult, infer
from planner.translate import Translation, translate

if TYPE_CHECKING:
    from planner.costs import CostResult

__version__ = "0.1.0"


def load(source: str | Path | dict[str, Any] | Network) -> Network:
    """Load a network from a preset name, a YAML/JSON path, a dict or a ``Network``.

    >>> load("unet-original").input_shape
    [572, 572, 1]
    """
    from planner.presets import resolve
    from planner.spec.loading import load_path, network_from_data

    if isinstance(source, Network):
        return source
    if isinstance(source, dict):
        return network_from_data(source)
    return load_path(resolve(source))


def cost(source: Network | Inference, **options: Any) -> CostResult:
    """MACs, FLOPs, memory and receptive field of every layer (see ``planner.costs``).

    >>> cost(load("keras-autoencoder")).total_macs
    751680
    """
    from planner.costs import cost as _cost

    return _cost(source, **options)


def loads(text: str, source: str = "<string>") -> Network:
    """Load a network from YAML or JSON text."""
    from planner.spec.loading import loads as _loads

    return _loads(text, source)


__all__ = [
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
