"""The budget contract every long question shares: progress, cancel, honest partial answers."""

from __future__ import annotations

import threading

import planner
from planner.budget import Budget, Progress


def test_cancelled_solve_claims_nothing() -> None:
    stop = threading.Event()
    stop.set()
    result = planner.solve(
        planner.load("unet-original"), ["output=388"], unknowns=["input=1..5000"], cancel=stop
    )
    assert not result.complete
    assert result.reason is not None and result.reason.startswith("cancelled")
    assert result.solutions == []


def test_solve_reports_progress_to_the_end() -> None:
    seen: list[Progress] = []
    result = planner.solve(
        planner.load("unet-original"),
        ["output=388"],
        unknowns=["input=1..5000"],
        progress=seen.append,
    )
    assert [s.values for s in result.solutions] == [{"input": 572}]
    assert seen and seen[-1].done == seen[-1].total
    assert all(p.task == "solve" for p in seen)
    # A layer-by-layer walk reports layers, to the last one.
    walked: list[Progress] = []
    net = planner.load("unet-original")
    planner.solve(net, ["output=388"], unknowns=["conv1_1.padding"], progress=walked.append)
    assert walked[-1].done == walked[-1].total == len(net.layers)


def test_cancelled_inputs_and_fixes() -> None:
    net = planner.load("unet-original")
    inputs = planner.valid_inputs(net, cancel=lambda: True)
    assert not inputs.complete and inputs.reason.startswith("cancelled")
    assert planner.valid_inputs(net).complete
    bad = net.model_copy(update={"input_shape": [570, 570, 1]})
    cancelled = planner.fixes(bad, cancel=lambda: True)
    searched = {"padding_mode", "padding", "output_padding", "stride", "kernel"}
    assert not [f for f in cancelled.fixes if f.kind in searched]
    assert [f for f in planner.fixes(bad).fixes if f.kind in searched]


def test_budget_stops_on_time_and_stays_stopped() -> None:
    b = Budget(task="t", seconds=0.0)
    assert b.check(force=True) == "time"
    assert b.check() == "time"


def test_an_inference_inside_a_search_stops_at_its_checkpoints() -> None:
    """``Budget.watching()``: an inference run inside a search stops between layers
    once the search's budget has run out; outside, ``checkpoint()`` does nothing."""
    import pytest

    from planner.budget import BudgetStopped, checkpoint

    net = planner.load("unet-original")
    checkpoint()  # no search around it: nothing happens
    live = Budget(task="inputs", seconds=60)
    with live.watching():
        assert planner.infer(net).ok
    spent = Budget(task="inputs", seconds=0)
    with spent.watching(), pytest.raises(BudgetStopped):
        planner.infer(net)
    assert spent.stopped == "time"
    cancelled = Budget(task="inputs", seconds=60, cancel=lambda: True)
    with cancelled.watching(), pytest.raises(BudgetStopped):
        planner.infer(net)
    assert cancelled.stopped == "cancelled"
    assert planner.infer(net).ok  # the watch ends with its block
