"""Cost and reach of a network: MACs, FLOPs, memory and receptive field per layer.

Read on top of ``planner.infer`` (shapes, parameters, resolved padding), as exact
integers or, with a symbolic input size, formulas. Definitions: :mod:`planner.costs.rules`
(MACs, FLOPs = 2 x MACs, ops, bytes) and :mod:`planner.costs.receptive` (receptive
field, jump, centre); docs/cost.md relates them to the other counters.
"""

from planner.costs.analysis import CostResult, LayerCost, cost
from planner.costs.rules import DTYPE_BYTES

__all__ = ["DTYPE_BYTES", "CostResult", "LayerCost", "cost"]
