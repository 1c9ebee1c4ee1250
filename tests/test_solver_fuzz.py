"""Fuzzing the solver's API: solve, valid_inputs and fixes with bad values, huge
values, reversed ranges and many unknowns give an answer or one PlannerError, within
their time budget."""

from __future__ import annotations

import math
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from tests import solver_networks as nets
from tests.strategies import sequential_network

SLACK = 2.0

networks = st.one_of(
    st.sampled_from(["unet-original", "keras-autoencoder", "wavenet-1d", "dcgan-generator"]).map(
        planner.load
    ),
    sequential_network(max_layers=4).map(
        lambda d: planner.load(
            {**d, "input_shape": [20 if isinstance(x, str) else x for x in d["input_shape"]]}
        )
    ),
    st.integers(2, 40).map(lambda n: planner.load(nets.padded_chain(n))),
    st.just(planner.load(nets.concat_net(6))),
)
unknowns = st.lists(
    st.sampled_from(
        [
            "input=1..10**15",
            "input=9..3",
            "input.H=1..4096",
            "input=0..0",
            "conv1_1.padding=0..10**9",
            "conv1_1.padding",
            "conv0.padding=0..3",
            "conv3.padding=0..2",
            "conv1.strides=1..3",
            "b0_down.strides=1..4",
            "up6.size=1..3",
            "l0.padding=0..2",
            "nolayer.padding",
            "input.Q=1..3",
        ]
    ),
    max_size=3,
)
targets = st.lists(
    st.sampled_from(
        [
            "output=388",
            "output=1",
            "output>=64",
            "output<=2",
            "output in {25, 26}",
            "output=10..20",
            "output % 32 == 0",
            "output % 7 == 0",
            "output=input",
            "output=10000000000000",
            "conv3=conv1",
            "output=2..1",
        ]
    ),
    max_size=3,
)
limits = st.sampled_from([None, 1, 3, 0, -3, 2.5, "3", True])
budgets = st.sampled_from([0.3, 0.5, 0, -1, "x", math.inf, math.nan])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    net=networks,
    unknown=unknowns,
    target=targets,
    limit=limits,
    seconds=budgets,
    which=st.sampled_from(["solve", "inputs", "fixes"]),
)
def test_api_answers_or_raises_one_planner_error_in_time(
    net, unknown, target, limit, seconds, which
):
    start = time.perf_counter()
    try:
        if which == "solve":
            result = planner.solve(net, target, unknowns=unknown, limit=limit, time_budget=seconds)
            assert result.complete or result.reason
            if result.complete:
                assert result.total >= len(result.solutions)
            assert "None" not in (result.reason or "")
        elif which == "inputs":
            result = planner.valid_inputs(net, time_budget=seconds, near=limit)
            assert result.complete or result.reason
        else:
            result = planner.fixes(net, target, time_budget=seconds, per_kind=limit or 1)
            assert result.complete or result.reason
    except planner.PlannerError as exc:
        assert str(exc) and "None" not in str(exc).replace("limit=None", "")
    elapsed = time.perf_counter() - start
    bound = seconds if isinstance(seconds, float) and 0 < seconds < math.inf else 0
    assert elapsed < bound + SLACK, (which, unknown, target, elapsed)
