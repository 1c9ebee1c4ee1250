"""The solver against brute force, and the questions that motivated it."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings

import planner
from planner.solver import solve, with_unknowns
from planner.solver.problem import parse_target
from planner.solver.search import collect_vars, verify
from planner.spec.loading import network_from_data
from tests.strategies import solve_problem


def brute_force(net, targets, exact=False):
    """Every assignment, each checked by forward inference: the oracle."""
    vars = collect_vars(net)
    names = list(vars)
    found = []
    for values in itertools.product(*[vars[n].domain for n in names]):
        assignment = dict(zip(names, values, strict=True))
        ok, _ = verify(net, assignment, targets, exact)
        if ok:
            found.append(assignment)
    return found


def key(values):
    return tuple(sorted((k, str(v)) for k, v in values.items()))


@settings(max_examples=150, deadline=None)
@given(problem=solve_problem())
def test_solver_finds_exactly_the_brute_force_set(problem):
    data, unknowns, targets = problem
    net = with_unknowns(network_from_data(data), unknowns)
    parsed = [parse_target(t, net) for t in targets]
    expected = {key(v) for v in brute_force(net, parsed)}
    result = solve(net, targets, limit=None)
    assert result.complete
    got = [key(s.values) for s in result.solutions]
    assert len(got) == len(set(got)), "a solution was listed twice"
    assert set(got) == expected
    assert result.total == len(expected)
    costs = [s.cost for s in result.solutions]
    assert costs == sorted(costs), "solutions must come best first"


@settings(max_examples=40, deadline=None)
@given(problem=solve_problem())
def test_exact_solutions_are_the_brute_force_exact_set(problem):
    data, unknowns, targets = problem
    net = with_unknowns(network_from_data(data), unknowns)
    parsed = [parse_target(t, net) for t in targets]
    expected = {key(v) for v in brute_force(net, parsed, exact=True)}
    result = solve(net, targets, exact=True, limit=None)
    assert {key(s.values) for s in result.solutions} == expected


def test_limit_keeps_the_best_and_counts_all():
    net = planner.loads(
        """
name: chain
framework: torch
input_shape: [1, 32, 32]
layers:
  - {type: Conv2d, out_channels: 2, kernel_size: 3, padding: "?a"}
  - {type: Conv2d, out_channels: 2, kernel_size: 3, padding: "?b"}
  - {type: Conv2d, out_channels: 2, kernel_size: 3, padding: "?c"}
"""
    )
    full = solve(net, ["output=input"], limit=None)
    top = solve(net, ["output=input"], limit=3)
    assert top.total == full.total == len(full.solutions)
    assert [s.values for s in top.solutions] == [s.values for s in full.solutions[:3]]
    assert top.solutions[0].values == {"a": 1, "b": 1, "c": 1}


def broken_autoencoder():
    """The Keras-blog autoencoder with its one 'valid' conv made 'same': 28 -> 32."""
    data = planner.load("keras-autoencoder").to_data()
    data["layers"][10]["padding"] = "same"
    return network_from_data(data)


def test_autoencoder_finds_the_valid_conv():
    net = broken_autoencoder()
    assert planner.infer(net).output_shape == (32, 32, 1)
    convs = [layer.name for layer in net.layers if layer.type == "conv"]
    result = solve(net, ["output=input"], unknowns=[f"{c}.padding" for c in convs])
    best = result.solutions[0].values
    changed = {k: v for k, v in best.items() if v != "same"}
    # One conv after the last pooling but before an upsampling that... exactly the blog's fix.
    assert changed == {"conv2d_5.padding": "valid"}
    assert result.solutions[0].output_shape == (28, 28, 1)


def test_autoencoder_input_32_is_the_nearest_fixed_point():
    result = solve(broken_autoencoder(), ["output=input"], unknowns=["input=20..40"])
    assert [s.values["input"] for s in result.solutions] == [24, 32, 40]


def test_autoencoder_crop_amounts():
    net = broken_autoencoder()
    data = net.to_data()
    data["layers"].append({"type": "Cropping2D", "cropping": "?c", "name": "crop"})
    net = network_from_data(data)
    result = solve(net, ["output=input"])
    assert [s.values for s in result.solutions] == [{"c": 2}]


def test_no_solution_says_why_with_numbers():
    result = solve(broken_autoencoder(), ["output=28"], unknowns=["up_sampling2d_2.scale=1..4"])
    assert result.complete and not result.solutions
    assert "28 is not reachable" in result.reason
    assert "Nearest: 16" in result.reason and "32" in result.reason


def test_target_miss_without_unknowns_shows_the_size_chain():
    result = solve(broken_autoencoder(), ["output=input"])
    assert result.reason is not None
    assert "28 -> 14 -> 7 -> 4 -> 8 -> 16 -> 32" in result.reason


def test_torch_padding_that_halves_like_tensorflow_same():
    net = planner.loads(
        """
name: halve
framework: torch
input_shape: [3, 28, 28]
layers: [{type: Conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: "?p"}]
"""
    )
    result = solve(net, ["output=14"])
    assert [s.values for s in result.solutions] == [{"p": 1}]


def test_output_padding_takes_7_back_to_14():
    net = planner.loads(
        """
name: up
framework: torch
input_shape: [8, 7, 7]
layers:
  - {type: ConvTranspose2d, out_channels: 4, kernel_size: 3, stride: 2, padding: 1,
     output_padding: "?op"}
"""
    )
    result = solve(net, ["output=14"])
    assert [s.values for s in result.solutions] == [{"op": 1}]


def test_dcgan_generator_padding():
    result = solve(
        planner.load("dcgan-generator"),
        ["output=64"],
        unknowns=["12.padding=0..4"],  # PyTorch names: position
    )
    assert [s.values for s in result.solutions] == [{"12.padding": 1}]


def test_unet_input_sizes_and_cropping():
    net = planner.load("unet-original")
    result = solve(net, ["output=388"], unknowns=["input=1..5000"])
    assert [s.values for s in result.solutions] == [{"input": 572}]
    data = net.to_data()
    for item in data["layers"]:
        if item["type"] == "cropping":
            item["cropping"] = f"?{item['name']}"
    result = solve(network_from_data(data), [], limit=None)
    assert [s.values for s in result.solutions] == [
        {"crop6": 4, "crop7": 16, "crop8": 40, "crop9": 88}
    ]


@pytest.mark.parametrize(
    ("source", "unknown", "target"),
    [
        ("keras-autoencoder", "conv2d_5.kernel_size=1,3,5,7", "conv2d_5=14"),
        ("keras-autoencoder", "conv2d_5.kernel_size.H=3,5,9", "conv2d_5.W=14"),
        ("keras-autoencoder", "conv2d_5.padding=same,valid", "decoded=28"),
        ("keras-autoencoder", "encoded.strides=1,2,3", "encoded=4"),
        ("dcgan-discriminator", "0.padding=0,1,3", "0=32"),
        ("dcgan-discriminator", "2.strides=1,2,4", "2=16"),
        ("keras-autoencoder", "encoded.strides=default,1,3", "encoded=4"),
    ],
)
def test_choice_lists_find_exactly_the_listed_values_that_work(source, unknown, target):
    """``LAYER.FIELD=A,B,C``: the solver searches exactly the listed values, and
    finds those that a forward inference with the value written in accepts."""
    net = planner.load(source)
    asked = with_unknowns(net, [unknown])
    (var,) = collect_vars(asked).values()
    listed = [int(v) if v.isdigit() else v for v in unknown.split("=")[1].split(",")]
    assert list(var.domain) == listed
    layer, field = unknown.split("=")[0].split(".")[:2]
    axis = unknown.split("=")[0].split(".")[2:]
    expected = []
    for value in listed:
        data = net.to_data()
        item = next(i for i, n in zip(data["layers"], net.layer_names, strict=True) if n == layer)
        if axis:
            other = list(getattr(net.layer(layer), field))
            other[0] = value
            item[field] = other
        elif value == "default":
            item.pop(field, None)
        else:
            item[field] = value
        result = planner.infer(planner.load(data))
        tgt_layer, size = target.split("=")
        name, *axes = tgt_layer.split(".")
        shape = result[name].spatial if result.ok else ()
        sizes = [shape[1]] if axes and shape else list(shape)
        if result.ok and all(s == int(size) for s in sizes):
            expected.append(value)
    found = [next(iter(s.values.values())) for s in solve(asked, [target], limit=None).solutions]
    assert sorted(map(str, found)) == sorted(map(str, expected))
    assert expected, "each case has an answer among its choices"


@pytest.mark.parametrize(
    ("unknown", "message"),
    [
        ("conv2d_5.kernel_size=3,x", "choice 'x' is not a whole number"),
        ("conv2d_5.padding=full,same", "'full' is not a keras padding mode"),
        ("conv2d_5.padding=0,same", "'0' is not a keras padding mode"),
        ("conv2d_5.kernel_size=3,,5", "has an empty choice"),
        ("conv2d_5.kernel_size=3,5,3", "lists a choice twice"),
        ("input=64,128", "an input size takes a range"),
        ("conv2d_5.strides=default,1", "not a whole number"),
    ],
)
def test_choice_list_errors_name_the_choice_and_what_is_valid(unknown, message):
    with pytest.raises(planner.SolveError, match=re.escape(message)):
        with_unknowns(planner.load("keras-autoencoder"), [unknown])


def test_padding_amount_choices_in_yaml_pad_both_sides():
    """``padding: {unknown: p, choices: [0, 1, 3]}`` on a PyTorch convolution pads both
    sides by the chosen amount; modes and amounts mixed are refused."""
    data = planner.load("dcgan-discriminator").to_data()
    data["layers"][0]["padding"] = {"unknown": "p", "choices": [0, 1, 3]}
    net = planner.load(data)
    assert net.layers[0].padding[0][0] == net.layers[0].padding[0][1]
    found = [s.values["p"] for s in solve(net, ["0=32"], limit=None).solutions]
    assert found == [1]
    data["layers"][0]["padding"] = {"unknown": "p", "choices": [0, "same"]}
    with pytest.raises(planner.SpecError, match="mix padding modes and amounts"):
        planner.load(data)


def test_bad_requests_are_clear_errors():
    net = planner.load("unet-original")
    with pytest.raises(planner.SolveError, match="Did you mean 'conv4'"):
        solve(net, ["output=conv44"])
    with pytest.raises(planner.SolveError, match="no field 'kernal'"):
        solve(net, [], unknowns=["pool1.kernal=1..3"])
    with pytest.raises(planner.SolveError, match="cannot read target"):
        solve(net, ["output"])


def test_a_search_out_of_time_says_so_and_claims_nothing():
    items = [
        {"type": "conv", "filters": 2, "kernel_size": 3, "padding": f"?p{i}"} for i in range(40)
    ]
    net = network_from_data(
        {"name": "big", "framework": "torch", "input_shape": [2, 512, 512], "layers": items}
    )
    result = solve(net, ["output=input"], time_budget=0.01)
    assert not result.complete
    assert result.solutions == [] and result.total == 0
    assert result.reason.startswith("incomplete: the time budget (0.01 s) ran out")
    assert "0 solutions found, checked up to layer" in result.reason
