"""Solver answers confirmed in the real frameworks (PyTorch and Keras builds)."""

from __future__ import annotations

import keras
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.export import to_keras, to_torch
from planner.solver import solve, with_unknowns
from planner.spec.loading import network_from_data
from tests.strategies import solve_problem


def framework_output(net: planner.Network) -> tuple[int, ...]:
    """The output shape (no batch axis) the real framework computes."""
    if net.framework == "torch":
        module = to_torch(net, device="meta")
        y = module(torch.empty(1, *net.input_shape, device="meta"))
        return tuple(y.shape[1:])
    model = to_keras(net)
    y = model(keras.ops.ones((1, *net.input_shape)))
    return tuple(keras.ops.shape(y)[1:])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=solve_problem(), pick=st.randoms(use_true_random=False))
def test_sampled_solutions_hold_in_the_framework(problem, pick):
    data, unknowns, targets = problem
    if data["framework"] not in ("torch", "keras"):
        data["framework"] = "torch" if data["framework"] == "onnx" else "keras"
        if data["framework"] == "torch":
            data["input_shape"] = [data["input_shape"][-1], *data["input_shape"][:-1]]
    try:
        net = with_unknowns(network_from_data(data), unknowns)
    except planner.PlannerError:
        return  # the unknowns do not fit the framework we switched to
    result = solve(net, targets, limit=None)
    for solution in pick.sample(result.solutions, min(3, len(result.solutions))):
        concrete = result.network_for(solution)
        assert framework_output(concrete) == tuple(solution.output_shape)


def broken_autoencoder() -> planner.Network:
    return planner.load("docs/examples/autoencoder-same.yaml")


def test_autoencoder_answers_in_keras():
    net = broken_autoencoder()
    assert framework_output(net) == (32, 32, 1)
    result = solve(net, ["output=input"], unknowns=["conv2d_5.padding"])
    assert framework_output(result.network_for(result.solutions[0])) == (28, 28, 1)
    result = solve(net, ["output=input"], unknowns=["input=20..40"])
    for s in result.solutions:
        n = s.values["input"]
        assert framework_output(result.network_for(s)) == (n, n, 1)


def test_unet_crops_in_keras():
    data = planner.load("unet-original").to_data()
    for item in data["layers"]:
        if item["type"] == "cropping":
            item["cropping"] = f"?{item['name']}"
    result = solve(network_from_data(data), [])
    assert framework_output(result.network_for(result.solutions[0])) == (388, 388, 2)


def test_torch_padding_and_output_padding_answers():
    halve = planner.load("docs/examples/halve.yaml")
    result = solve(halve, ["output=14"])
    assert framework_output(result.network_for(result.solutions[0])) == (16, 14, 14)
    up = planner.load("docs/examples/upsample.yaml")
    result = solve(up, ["output=14"])
    assert framework_output(result.network_for(result.solutions[0])) == (16, 14, 14)


def test_dcgan_answer_in_torch():
    result = solve(
        planner.load("dcgan-generator"),
        ["output=64"],
        unknowns=["12.padding=0..4"],  # PyTorch names: position
    )
    assert framework_output(result.network_for(result.solutions[0])) == (3, 64, 64)
