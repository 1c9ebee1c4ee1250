"""Budget answers (planner.costs.budget) are the largest/smallest that meet their
targets: checked against a scan of every valid size (or field value), each one
inferred on its own; the memory of the answer against a PyTorch forward."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

import planner
from planner.cli import app
from planner.costs.budget import parse_metric_target, solve_budget
from planner.errors import SolveError
from planner.export import to_torch
from planner.spec.loading import network_from_data

runner = CliRunner()


def _at(net, n):
    shape = list(net.input_shape)
    offset = 0 if net.channels_last else 1
    for i in range(net.rank):
        shape[offset + i] = n
    return shape


def _scan(net, lo, hi, ok, **options):
    """Every size in lo..hi that runs and meets ``ok`` (a brute-force oracle)."""
    found = []
    for n in range(lo, hi + 1):
        result = planner.infer(net, input_shape=_at(net, n))
        if result.ok and ok(planner.cost(result, **options)):
            found.append(n)
    return found


@pytest.mark.parametrize(
    ("name", "target", "lo", "hi", "ok"),
    [
        ("unet-original", "memory<=512MiB", 150, 480, lambda c: c.activation_bytes <= 2**29),
        (
            "unet-original",
            "rf>=input",
            1,
            400,
            lambda c: c.output.receptive_field[0] >= c.inference.input_spatial[0],
        ),
        (
            "unet-same",
            "rf>=input",
            1,
            400,
            lambda c: c.output.receptive_field[0] >= c.inference.input_spatial[0],
        ),
        ("keras-autoencoder", "macs>=2M", 1, 120, lambda c: c.total_macs >= 2 * 10**6),
        ("keras-autoencoder", "peak<=500KB", 1, 120, lambda c: c.peak_bytes <= 500_000),
    ],
)
def test_input_budget_equals_a_scan(name, target, lo, hi, ok):
    net = planner.load(name)
    answer = solve_budget(net, [target], unknowns=[f"input={lo}..{hi}"], batch=2, limit=None)
    scan = _scan(net, lo, hi, ok, batch=2)
    assert answer.count == len(scan) > 0
    assert answer.largest["input"] == max(scan)
    assert answer.smallest["input"] == min(scan)
    assert sorted(s["input"] for s in answer.solutions) == scan
    # Fewer evaluations than the scan: bisection over the closed-form sizes.
    assert answer.evaluated < hi - lo


def test_worked_example_memory_matches_pytorch():
    """docs/cost.md: the largest original U-Net tile within 8 GiB at batch 2."""
    net = planner.load("unet-original")
    answer = solve_budget(net, ["memory<=8GiB"], unknowns=["input=1..5000"], batch=2)
    best = answer.largest["input"]
    assert answer.largest["memory"] <= 8 * 2**30
    nxt = planner.cost(net, input_shape=_at(net, best + 16), batch=2)
    assert nxt.inference.ok and nxt.activation_bytes > 8 * 2**30
    data = net.to_data()
    data["input_shape"] = _at(net, best)
    module = to_torch(network_from_data(data), device="meta")
    total = 0

    def hook(_m, _i, y):
        nonlocal total
        total += y.numel() * y.element_size()

    for name in module.layer_names:
        module.layer(name).register_forward_hook(hook)
    module(torch.empty(2, *data["input_shape"], device="meta"))
    assert total == answer.largest["memory"]


def test_kernel_that_reaches_a_receptive_field_equals_a_scan():
    net = planner.load("keras-autoencoder")
    answer = solve_budget(net, ["rf>=58"], unknowns=["conv2d.kernel_size=1..9"], limit=None)
    scan = []
    for k in range(1, 10):
        data = net.to_data()
        for item in data["layers"]:
            if item.get("name") == "conv2d":
                item["kernel_size"] = k
        c = planner.cost(network_from_data(data))
        if c.inference.ok and min(c.output.receptive_field) >= 58:
            scan.append(k)
    assert sorted(s["values"]["conv2d.kernel_size"] for s in answer.solutions) == scan
    assert scan


def test_dilation_that_reaches_a_receptive_field():
    net = planner.load("wavenet-1d")
    answer = solve_budget(
        net, ["rf>=1500"], unknowns=["dilated_512.dilation=950..1010"], limit=None
    )
    values = sorted(s["values"]["dilated_512.dilation"] for s in answer.solutions)
    assert values and values[-1] == 1010  # a lower bound on rf: every larger d meets it
    for d in (values[0] - 1, values[0]):
        data = net.to_data()
        for item in data["layers"]:
            if item.get("name") == "dilated_512":
                item.pop("dilation_rate", None)
                item["dilation"] = d
        rf = planner.cost(network_from_data(data)).output.receptive_field[0]
        assert (rf >= 1500) == (d == values[0])


def test_metric_target_parsing():
    net = planner.load("unet-original")
    assert parse_metric_target("memory<=8GiB", net).right == 8 * 2**30
    assert parse_metric_target("peak<=1.5GB", net).right == 1_500_000_000
    assert parse_metric_target("macs<=50G", net).right == 50 * 10**9
    assert parse_metric_target("flops<1e12", net).right == 10**12
    t = parse_metric_target("rf.W>=input", net)
    assert (t.axis, t.right) == (1, "input")
    with pytest.raises(SolveError, match="cannot read the amount '8XB'"):
        parse_metric_target("memory<=8XB", net)
    with pytest.raises(SolveError, match="only rf compares with the input size"):
        parse_metric_target("memory>=input", net)


def test_cli_solve_memory_budget_json():
    res = runner.invoke(
        app,
        [
            "solve",
            "unet-original",
            "-t",
            "memory<=8GiB",
            "-u",
            "input=1..5000",
            "--batch",
            "2",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["largest"]["input"] == data["solutions"][0]["input"]
    assert data["largest"]["memory"] <= 8 * 2**30
    assert data["batch"] == 2 and data["dtype"] == "float32"


def test_cli_solve_bad_amount_exits_2():
    res = runner.invoke(app, ["solve", "unet-original", "-t", "memory<=lots", "-u", "input=1..600"])
    assert res.exit_code == 2
    assert "cannot read the amount 'lots'" in res.output
