"""planner.cost without frameworks: symbolic formulas equal the concrete figures at
many sizes, the rules' definitions on hand-checked cases, the refusals, and the
``show`` surfaces (columns, totals, JSON)."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import planner
from planner.cli import app
from planner.costs import receptive, rules
from planner.errors import SpecError
from planner.spec.loading import network_from_data
from planner.symbolic.ops import symbol

runner = CliRunner()
SYMBOLIC = ["keras-autoencoder", "unet-original", "unet-same", "dcgan-discriminator", "wavenet-1d"]


def _symbolic_shape(net: planner.Network) -> list:
    names = ["H", "W", "D"][: net.rank] if net.rank > 1 else ["L"]
    spatial = iter(names)
    offset = 0 if net.channels_last else 1
    shape = list(net.input_shape)
    for i in range(net.rank):
        shape[offset + i] = next(spatial)
    return shape, names


def _valid_sizes(net: planner.Network, count: int) -> list[int]:
    axis = next(iter(planner.valid_inputs(net).axes.values()))
    sizes = []
    for p in axis.progressions:
        stop = p.last if p.last is not None else p.first + 60 * max(p.step, 1)
        step = max(p.step, 1)
        sizes += list(range(p.first, stop + 1, step))
    random.Random(0).shuffle(sizes)
    return sorted(set(sizes[:count]))


def _value(expr, subs):
    if isinstance(expr, int | Fraction) or expr is None:
        return expr
    return int(expr.subs(subs))


@pytest.mark.parametrize("name", SYMBOLIC)
def test_symbolic_formulas_equal_concrete_values(name):
    net = planner.load(name)
    shape, names = _symbolic_shape(net)
    formula = planner.cost(net, input_shape=shape, batch=2, dtype="float16")
    sizes = _valid_sizes(net, 8)
    assert len(sizes) >= 4
    offset = 0 if net.channels_last else 1
    for n in sizes:
        concrete_dims = list(net.input_shape)
        for i in range(net.rank):
            concrete_dims[offset + i] = n
        concrete = planner.cost(net, input_shape=concrete_dims, batch=2, dtype="float16")
        subs = {symbol(a): concrete_dims[offset + i] for i, a in enumerate(names)}
        for f, c in zip(formula.layers, concrete.layers, strict=True):
            for field in ("macs", "flops", "ops", "activation_bytes", "param_bytes"):
                assert _value(getattr(f, field), subs) == getattr(c, field), (n, f.name, field)
            assert f.jump == c.jump
            assert tuple(_value(r, subs) for r in f.receptive_field) == c.receptive_field
        for field in ("total_macs", "total_flops", "activation_bytes", "input_bytes"):
            assert _value(getattr(formula, field), subs) == getattr(concrete, field), field


def test_symbolic_macs_are_polynomials_in_the_input_size():
    costs = planner.cost(planner.load("unet-original"), input_shape=["H", "W", 1])
    assert str(costs["conv1_1"].macs) == "576*(H - 2)*(W - 2)"
    assert "floor(H/2)" in str(costs["conv2_1"].macs)
    assert costs["output"].receptive_field == (204, 204)


# --- rules on hand-checked cases --------------------------------------------------------


def _one(layer: dict, shape: list, framework: str = "torch"):
    net = network_from_data(
        {"name": "t", "framework": framework, "input_shape": shape, "layers": [layer]}
    )
    return planner.cost(net).layers[0]


def test_grouped_depthwise_and_separable_macs():
    # 8 -> 8 channels in 4 groups, 3x3 over a 10x10 valid output: each output value
    # reads 2 channels x 9 taps.
    conv = _one({"type": "conv", "filters": 8, "kernel_size": 3, "groups": 4}, [8, 12, 12])
    assert conv.macs == 10 * 10 * 8 * 2 * 9
    dw = _one(
        {"type": "depthwise_conv", "kernel_size": 3, "depth_multiplier": 2}, [12, 12, 4], "keras"
    )
    assert dw.macs == 10 * 10 * 8 * 9
    sep = _one({"type": "separable_conv", "filters": 5, "kernel_size": 3}, [12, 12, 4], "keras")
    assert sep.macs == 10 * 10 * (4 * 9 + 4 * 5)


def test_transposed_macs_do_not_depend_on_stride_or_crop():
    base = {"type": "conv_transpose", "filters": 4, "kernel_size": 3}
    counts = {
        _one({**base, "strides": s, "padding": p}, [2, 7, 7]).macs
        for s in (1, 2, 3)
        for p in (0, 1)
    }
    assert counts == {7 * 7 * 2 * 4 * 9}


def test_pooling_and_merge_ops():
    pool = _one({"type": "max_pool", "pool_size": 3, "strides": 2}, [2, 9, 9])
    assert (pool.macs, pool.ops) == (0, 2 * 4 * 4 * (9 - 1))
    avg = _one({"type": "avg_pool", "pool_size": 2}, [2, 8, 8])
    assert avg.ops == 2 * 4 * 4 * 4
    up = _one({"type": "upsample", "scale": 2, "mode": "bilinear"}, [1, 3, 3])
    assert up.ops == 6 * 6 * 4
    assert _one({"type": "upsample", "scale": 2}, [1, 3, 3]).ops == 0
    assert rules.merge_ops(10, 3, "add") == 20
    assert rules.merge_ops(10, 3, "average") == 30
    assert rules.merge_ops(10, 3, "concatenate") == 0


def test_receptive_field_recurrence_of_a_conv_chain():
    m = receptive.identity()
    for k, s, d in [(3, 1, 1), (3, 2, 1), (3, 1, 2)]:
        m = receptive.window(m, k, s, d, 0)
    # size 1 + 2*1 + 2*1 + (2*2)*2 = 13, jump 2
    assert (receptive.size(m), m.jump) == (13, 2)
    # 'same' padding shifts the start, not the size
    m = receptive.window(receptive.identity(), 3, 1, 1, 1)
    assert m.at(0) == (-1, 1) and receptive.centre(m) == 0


def test_receptive_field_with_symbolic_kernel_is_a_formula():
    m = receptive.window(receptive.identity(), symbol("k"), 1, 2, 0)
    assert str(receptive.size(m)) == "2*k - 1"


def test_bad_dtype_and_batch_are_planner_errors():
    net = planner.load("keras-autoencoder")
    with pytest.raises(SpecError, match="unknown dtype 'float13'; valid: float64"):
        planner.cost(net, dtype="float13")
    with pytest.raises(SpecError, match="batch size must be an integer >= 1, received 0"):
        planner.cost(net, batch=0)


def test_layers_after_an_error_have_no_cost():
    net = network_from_data(
        {
            "name": "t",
            "framework": "torch",
            "input_shape": [1, 4, 4],
            "layers": [
                {"type": "conv", "filters": 2, "kernel_size": 5},
                {"type": "conv", "filters": 2, "kernel_size": 1},
            ],
        }
    )
    costs = planner.cost(net)
    assert [c.macs for c in costs.layers] == [None, None]
    assert costs.total_macs == 0 and costs.peak_bytes is None


# --- surfaces ----------------------------------------------------------------------------


def test_show_json_has_the_cost_fields():
    res = runner.invoke(app, ["show", "unet-original", "--json", "--batch", "2"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    costs = planner.cost(planner.load("unet-original"), batch=2)
    assert data["total_macs"] == costs.total_macs
    assert data["total_flops"] == 2 * costs.total_macs
    assert data["activation_bytes"] == costs.activation_bytes
    assert data["param_bytes"] == 4 * data["total_params"]
    layer = data["layers"][0]
    assert layer["macs"] == 2 * 570 * 570 * 64 * 9
    assert layer["receptive_field"] == [3, 3] and layer["jump"] == [1, 1]
    assert data["layers"][-1]["receptive_field"] == [204, 204]


def test_show_json_symbolic_gives_formula_strings():
    res = runner.invoke(app, ["show", "keras-autoencoder", "--json", "-i", "H,W,1"])
    data = json.loads(res.output)
    assert data["layers"][0]["macs"] == "144*H*W"
    assert data["layers"][0]["receptive_field"] == [3, 3]


def test_show_cost_columns_and_totals():
    res = runner.invoke(
        app,
        ["show", "keras-autoencoder", "--cost", "--rf", "--dtype", "float16"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    for header in ("MACs", "Memory", "RF", "Jump"):
        assert header in res.output
    assert "Total MACs: 751,680 (FLOPs = 2 x MACs: 1,503,360)" in res.output
    assert "Memory (float16, batch 1)" in res.output


def test_show_without_cost_flags_keeps_its_columns():
    res = runner.invoke(app, ["show", "keras-autoencoder"], env={"COLUMNS": "200"})
    assert "MACs" not in res.output and "Total MACs" not in res.output


def test_show_bad_dtype_exits_2():
    res = runner.invoke(app, ["show", "keras-autoencoder", "--cost", "--dtype", "f32"])
    assert res.exit_code == 2
    assert "unknown dtype 'f32'" in res.output


@given(st.fractions(max_denominator=10**6), st.integers(min_value=-(10**30), max_value=10**30))
def test_fractions_become_json_numbers_as_python_converts_them(value, big):
    """A jump or a centre (a Fraction) is written as ``int(value)`` when whole, else
    ``float(value)``: the JSON of ``show --json``."""
    from planner.costs.analysis import _data

    for f in (value, Fraction(big, 7), Fraction(big)):
        expected = int(f) if f.denominator == 1 else float(f)
        got = _data(f)
        assert got == expected and type(got) is type(expected), (f, got)
        assert _data((f, 1)) == [expected, 1]


def test_receptive_field_of_each_axis_of_a_non_square_network_is_its_own():
    """Axes with equal maps and parameters share one computation; axes that differ
    (kernel 3x5, stride 1x2, upsampling 2x1) each get their own: every axis of the
    2D network equals the 1D network made of that axis alone."""
    layers_2d = [
        {"type": "Conv2D", "filters": 2, "kernel_size": [3, 5], "strides": [1, 2]},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "UpSampling2D", "size": [2, 1]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "same"},
    ]
    net = planner.load(
        {"name": "n", "framework": "keras", "input_shape": [40, 41, 1], "layers": layers_2d}
    )
    got = planner.cost(net)
    for axis, n in enumerate((40, 41)):

        def one(value, axis=axis):
            return value[axis] if isinstance(value, list) else value

        layers_1d = [
            {**layer, "type": layer["type"].replace("2D", "1D")}
            | {k: one(v) for k, v in layer.items() if k in ("kernel_size", "strides", "size")}
            for layer in layers_2d
        ]
        alone = planner.cost(
            planner.load(
                {"name": "a", "framework": "keras", "input_shape": [n, 1], "layers": layers_1d}
            )
        )
        for two, one_axis in zip(got.layers, alone.layers, strict=True):
            assert two.receptive_field[axis] == one_axis.receptive_field[0], two.name
            assert two.jump[axis] == one_axis.jump[0], two.name
            assert two.rf_centre[axis] == one_axis.rf_centre[0], two.name
