"""The reverse solver: unknowns + targets -> ranked, verified solutions; valid inputs."""

from planner.solver.inputs import AxisInputs, InputsResult, Progression, valid_inputs
from planner.solver.problem import Target, assign, parse_target, with_unknowns
from planner.solver.search import Assignment
from planner.solver.solve import SolveResult, solve

__all__ = [
    "Assignment",
    "AxisInputs",
    "InputsResult",
    "Progression",
    "SolveResult",
    "Target",
    "assign",
    "parse_target",
    "solve",
    "valid_inputs",
    "with_unknowns",
]
