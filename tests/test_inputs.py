"""Closed-form valid input sizes against a scan of sizes 1..5000 by forward inference."""

from __future__ import annotations

import pytest

import planner
from planner.solver import valid_inputs
from planner.spec.loading import network_from_data

SCAN = range(1, 5001)


def scan(net, exact=False):
    """Square sizes n x n that forward inference accepts (the oracle)."""
    from planner.solver.search import verify

    good = set()
    for n in SCAN:
        dims = [
            n if i != (len(net.input_shape) - 1 if net.channels_last else 0) else d
            for i, d in enumerate(net.input_shape)
        ]
        if exact:
            data = net.to_data()
            data["input_shape"] = dims
            ok, _ = verify(network_from_data(data), {}, [], exact=True)
        else:
            ok = planner.infer(net, input_shape=dims).ok
        if ok:
            good.add(n)
    return good


@pytest.mark.parametrize(
    "name", ["unet-original", "keras-autoencoder", "unet-same", "dcgan-discriminator", "wavenet-1d"]
)
def test_closed_form_matches_a_scan(name):
    net = planner.load(name)
    result = valid_inputs(net)
    expected = scan(net)
    for axis in result.axes.values():
        got = {n for n in SCAN if axis.contains(n)}
        assert got == expected, (axis.axis, sorted(got ^ expected)[:10])


def test_unet_progression_and_output():
    result = valid_inputs(planner.load("unet-original"), near=570)
    axis = result.axes["H"]
    assert [p.text("H") for p in axis.progressions] == ["H = 16k + 188, k >= 0: output 16k + 4"]
    assert axis.output == "H - 184"
    assert axis.contains(572) and not axis.contains(570)
    assert axis.nearest(570) == {"below": 556, "above": 572}
    data = result.to_dict()
    assert data["axes"]["H"]["progressions"] == [
        {"first": 188, "step": 16, "last": None, "output": "16k + 4"}
    ]
    assert data["nearest"]["H"] == {"below": 556, "above": 572, "valid": False}


def test_huge_inputs_are_answered_without_scanning():
    axis = valid_inputs(planner.load("unet-original")).axes["H"]
    big = 16 * 10**12 + 188
    assert axis.contains(big) and not axis.contains(big + 2)
    assert planner.infer(planner.load("unet-original"), input_shape=[big, big, 1]).ok


def test_exact_inputs_match_a_scan():
    net = planner.loads(
        """
name: strided
framework: torch
input_shape: [1, 32, 32]
layers:
  - {type: Conv2d, out_channels: 4, kernel_size: 3, stride: 2}
  - {type: MaxPool2d, kernel_size: 2}
"""
    )
    result = valid_inputs(net, exact=True)
    expected = {n for n in range(1, 400) if _exact_ok(net, n)}
    got = {n for n in range(1, 400) if result.axes["H"].contains(n)}
    assert got == expected
    assert [p.text("H") for p in result.axes["H"].progressions] == [
        "H = 4k + 5, k >= 0: output k + 1"
    ]


def _exact_ok(net, n):
    from planner.solver.search import verify

    data = net.to_data()
    data["input_shape"] = [1, n, n]
    return verify(network_from_data(data), {}, [], exact=True)[0]


def test_inputs_refuse_networks_with_unknowns():
    net = planner.loads(
        "name: u\ninput_shape: [8, 8, 1]\nlayers: [{type: conv, filters: 1, kernel_size: '?k'}]\n"
    )
    with pytest.raises(planner.SolveError, match="unknowns k"):
        valid_inputs(net)


def test_sizes_that_settle_late_are_checked_one_by_one():
    """ONNX Runtime clamps pooling outputs at 1, so sizes are affine only from some k
    on; below it every size is checked by forward inference."""
    net = planner.load(
        {
            "name": "ort",
            "framework": "onnx",
            "input_shape": [2, 6, 6],
            "layers": [
                {"type": "max_pool", "pool_size": 3, "strides": 2, "ceil_mode": True},
                {"type": "cropping", "cropping": [[0, 1], [0, 1]]},
            ],
        }
    )
    axis = valid_inputs(net).axes["H"]
    expected = {n for n in range(1, 300) if planner.infer(net, input_shape=[2, n, n]).ok}
    assert {n for n in range(1, 300) if axis.contains(n)} == expected


def test_merging_thousands_of_residue_classes() -> None:
    """Every residue class mod 4096 unbounded, and one bounded class beside them,
    merge into one progression of step 1 plus the bounded one (the merge used to look
    each member up by equality: quadratic, seconds past a search's budget)."""
    from planner.solver.inputs import Progression, _merge

    p = 4096
    classes = [Progression(188 + r, p, None, "x") for r in range(p)]
    bounded = Progression(3, 5, 18, "y")
    merged = _merge([*reversed(classes), bounded], p, "H - 184")
    assert merged == [bounded, Progression(188, 1, None, "H - 184")]
    # Half of them (the even residues) merge into a progression of step 2.
    evens = [c for c in classes if c.first % 2 == 0]
    assert _merge(evens, p, "g") == [Progression(188, 2, None, "g")]
