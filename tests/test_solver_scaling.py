"""The solver on networks with skips and tied unknowns, against brute force.

The oracle tries every assignment of the unknowns (a product of small domains) with
``planner.infer`` and ranks the ones that run and meet the targets by the cost that
docs/solver.md defines, computed here from the network's data: 10 times the squared
padding, summed over the layers that use it. The solver must return the same
solutions, in the same order, with the same count.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings

import planner
from planner.solver import search as searching
from planner.solver import solve
from planner.solver.problem import parse_target
from planner.solver.search import infer_assigned, search
from tests import solver_networks as nets
from tests.strategies import skip_problem


def unknown_uses(data):
    """Unknown name -> how many layers use it, in order of first use."""
    uses: dict[str, int] = {}
    for layer in data["layers"]:
        padding = layer.get("padding")
        if isinstance(padding, dict):
            uses[padding["unknown"]] = uses.get(padding["unknown"], 0) + 1
    return uses


def oracle(data, targets):
    """Every (values, cost) that runs and meets ``targets``, best first, ties by values
    (the input size first, then the paddings in order of first use)."""
    net = planner.load(data)
    uses = unknown_uses(data)
    domains = [range(3)] * len(uses)
    names = list(uses)
    size = data["input_shape"][1]
    if isinstance(size, dict):  # an unknown input size: it has no cost of its own
        names.insert(0, size["unknown"])
        domains.insert(0, range(size["min"], size["max"] + 1))
    found = []
    for values in itertools.product(*domains):
        assignment = dict(zip(names, values, strict=True))
        result = planner.infer(net, values=assignment)
        if not result.ok or result.conditions:
            continue
        out = result.layers[-1].spatial
        if "output=input" in targets and out != result.input_spatial:
            continue
        wanted = [int(t.split("=")[1]) for t in targets if t != "output=input"]
        if any(any(d != w for d in out) for w in wanted):
            continue
        cost = sum(10 * uses[n] * v * v for n, v in assignment.items() if n in uses)
        found.append((assignment, cost))
    found.sort(key=lambda item: (item[1], list(item[0].values())))
    return found


def listed(result):
    return [(s.values, s.cost) for s in result.solutions]


# The search's ways of joining a merge's inputs: every pair of their shapes (the
# default for few), only the pairs some assignment reaches (for many), or the walk in
# layer order (when even those are too many). Each is forced here in turn.
WAYS = {
    "every pair": {},
    "reached pairs": {"MERGE_DIRECT": 0},
    "walk": {"MERGE_DIRECT": 0, "MERGE_COMBINATIONS": 0},
}


@pytest.mark.parametrize("way", list(WAYS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=skip_problem())
def test_skips_and_tied_unknowns_give_the_brute_force_solutions_in_order(way, problem):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in WAYS[way].items():
            patch.setattr(searching, name, value)
        check_against_brute_force(*problem)


def check_against_brute_force(data, targets):
    expected = oracle(data, targets)
    net = planner.load(data)
    every = solve(net, targets, limit=None)
    assert every.complete
    assert every.total == len(expected)
    assert listed(every) == expected
    best = solve(net, targets, limit=3)
    assert best.complete and best.total == len(expected)
    # The cut after 3 is deterministic while the tie at the cut is small.
    if (
        len([1 for _, c in expected if expected and c == expected[min(2, len(expected) - 1)][1]])
        < 200
    ):
        assert listed(best) == expected[:3]


@pytest.mark.parametrize("levels", [1, 2])
def test_unet_with_every_padding_unknown_matches_brute_force(levels):
    data = nets.unet_unknown_paddings(levels, 4 * 2**levels)
    if levels == 2:
        # Each decoder conv reuses the padding of the encoder conv at its level
        # (6 unknowns, 729 assignments).
        data = nets.mirror_paddings(data)
    expected = oracle(data, ["output=input"])
    result = solve(planner.load(data), ["output=input"], limit=None)
    assert result.complete and result.total == len(expected) > 0
    assert listed(result) == expected


def tables(levels, mirrored=False):
    data = nets.unet_unknown_paddings(levels, 4 * 2**levels)
    if mirrored:
        data = nets.mirror_paddings(data)
    net = planner.load(data)
    targets = [parse_target("output=input", net)]
    return search(net, targets, limit=1, time_budget=60)


@pytest.mark.parametrize("mirrored", [False, True])
def test_the_work_grows_polynomially_with_unet_depth(mirrored):
    # Rows of every table built: a walk in layer order keeps every open skip at once
    # (about 4x more states per level); elimination keeps the levels apart.
    rows = [tables(levels, mirrored).states for levels in (3, 4, 5)]
    assert rows[1] / rows[0] < 2.5 and rows[2] / rows[1] < 2.5


def test_counts_stay_exact_beyond_what_could_be_listed():
    result = tables(6)
    # 3**34 assignments; millions of solutions, counted without being listed.
    assert result.complete and result.total > 10**6
    assert len(result.solutions) == 1 and set(result.solutions[0].values.values()) == {1}


def test_a_tiny_budget_and_a_cancel_are_honest():
    net = planner.load(nets.unet_unknown_paddings(6, 256))
    start = time.perf_counter()
    result = solve(net, ["output=input"], time_budget=0.05)
    assert time.perf_counter() - start < 0.05 + 1.0
    # Stopped while counting (nothing known yet) or after (the exact count, on a fast
    # machine), never a wrong count, and no unverified solution.
    full = solve(net, ["output=input"], limit=1)
    assert full.complete and full.total > 0
    assert not result.complete and result.total in (0, full.total)
    for listed in result.solutions:  # whatever was listed in time is a real solution
        out = infer_assigned(net, listed.values)
        # ``output=input`` asks for the input's spatial size (the channels differ).
        assert out.ok and out.layers[-1].spatial == out.input_spatial
    assert result.reason.startswith("incomplete: the time budget (0.05 s) ran out")
    calls = 0

    def later() -> bool:
        nonlocal calls
        calls += 1
        return calls > 400

    cancelled = solve(net, ["output=input"], cancel=later)
    assert not cancelled.complete and cancelled.reason.startswith("cancelled")
    stop = threading.Event()
    stop.set()
    assert solve(net, ["output=input"], cancel=stop).reason.startswith("cancelled")


# --- input sizes unknown on several axes: each axis in closed form ------------------


def axis_net(kind):
    layers = {
        "strided": [
            {"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2},
            {"type": "MaxPool2d", "kernel_size": 2},
            {"type": "Conv2d", "out_channels": 2, "kernel_size": [1, 3], "padding": [0, 1]},
        ],
        "skip": [
            {"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1, "name": "a"},
            {"type": "MaxPool2d", "kernel_size": 2, "name": "down"},
            {"type": "Upsample", "scale_factor": 2, "name": "up"},
            {"type": "Cat", "name": "cat", "inputs": ["a", "up"]},
        ],
    }[kind]
    h = {"unknown": "H", "min": 1, "max": 30}
    w = {"unknown": "W", "min": 3, "max": 28}
    return planner.load(
        {"name": kind, "framework": "torch", "input_shape": [2, h, w], "layers": layers}
    )


# Each target set with its meaning on (input H, W) and output sizes.
AXIS_TARGETS = {
    "none": ([], lambda hw, out: True),
    "H only": (["output.H=4"], lambda hw, out: out[0] == 4),
    "same size": (["output=input"], lambda hw, out: out == hw),
    "one per axis": (["output=2,4"], lambda hw, out: out == (2, 4)),
}


@pytest.mark.parametrize("kind", ["strided", "skip"])
@pytest.mark.parametrize("question", list(AXIS_TARGETS))
def test_input_sizes_on_two_axes_are_solved_per_axis_without_a_search(kind, question):
    net = axis_net(kind)
    targets, holds = AXIS_TARGETS[question]
    expected = []
    for h, w in itertools.product(range(1, 31), range(3, 29)):
        result = planner.infer(net, values={"H": h, "W": w})
        if result.ok and not result.conditions and holds((h, w), result.layers[-1].spatial):
            expected.append({"H": h, "W": w})

    def no_search(*args, **kwargs):
        raise AssertionError("searched")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["planner.solver.solve"], "search", no_search)
        every = solve(net, targets, limit=None)
        first = solve(net, targets, limit=2)
    assert every.complete and every.total == len(expected)
    assert [s.values for s in every.solutions] == expected
    assert [s.values for s in first.solutions] == expected[:2]
    if not expected:  # the strided network only shrinks: no same-size input
        assert every.reason.startswith("H: ") and "holds for no H" in every.reason
