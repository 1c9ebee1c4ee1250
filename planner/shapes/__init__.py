"""Forward shape inference over a network's DAG, concrete or symbolic.

The shapes step sits above the dialects: it walks the network (``walk``), applies
each layer (``apply``), asks the dialect for every spatial axis (``axes``), and
works out channels and parameters (``channels``), merges (``merge``) and reshapes
(``reshape``) itself. Sizes are ``int`` when everything is known, sympy expressions
when an input size is a symbol (``H``) or a field is an ``Unknown`` without a value;
the sympy side lives in ``planner.symbolic``.
"""

from __future__ import annotations

from planner.shapes.apply import apply_layer
from planner.shapes.resolve import Resolver
from planner.shapes.results import Inference, LayerResult, to_data
from planner.shapes.tensor import Tensor, axis_names
from planner.shapes.walk import infer, input_tensor

__all__ = [
    "Inference",
    "LayerResult",
    "Resolver",
    "Tensor",
    "apply_layer",
    "axis_names",
    "infer",
    "input_tensor",
    "to_data",
]
