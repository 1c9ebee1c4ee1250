"""Symbolic inference agrees with concrete inference for many substituted sizes."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.spec.loading import network_from_data
from planner.symbolic.ops import symbol, truth
from tests.strategies import sequential_network

H, W = symbol("H"), symbol("W")


def substitute(expr, values):
    if isinstance(expr, int):
        return expr
    value = expr.subs(values)
    return int(value) if value.is_number else value


def check_agreement(net, sizes):
    """For every size: concrete success <=> all symbolic conditions hold, and then
    every layer's symbolic shape evaluates to the concrete one."""
    symbolic = planner.infer(net)
    sym_ok = symbolic.ok
    for h in sizes:
        dims = [h if d == "H" else h + 1 if d == "W" else d for d in net.input_shape]
        concrete = planner.infer(net, input_shape=dims)
        values = {H: h, W: h + 1}
        if not sym_ok:
            # A refusal that needs no sizes (a bad field) is refused concretely too.
            assert not concrete.ok
            continue
        holds = all(
            truth(sympy.sympify(c.expr).subs(values)) is not False for c in symbolic.conditions
        )
        assert holds == concrete.ok, (
            h,
            concrete.first_error,
            [c.message for c in symbolic.conditions],
        )
        if concrete.ok:
            for s_layer, c_layer in zip(symbolic.layers, concrete.layers, strict=True):
                got = tuple(substitute(d, values) for d in s_layer.output_shape)
                assert got == c_layer.output_shape, (h, s_layer.name, s_layer.output_shape)
                if s_layer.padding is not None:
                    pads = [tuple(substitute(p, values) for p in pair) for pair in s_layer.padding]
                    assert pads == [tuple(p) for p in c_layer.padding], (h, s_layer.name)


@pytest.mark.parametrize(
    "name", ["keras-autoencoder", "unet-same", "dcgan-discriminator", "wavenet-1d"]
)
def test_presets_symbolic_matches_concrete(name):
    net = planner.load(name)
    data = net.to_data()
    rank = net.rank
    if rank == 1:
        data["input_shape"] = ["H", 1]
    elif net.channels_last:
        data["input_shape"] = ["H", "W", net.input_shape[-1]]
    else:
        data["input_shape"] = [net.input_shape[0], "H", "W"]
    symbolic_net = network_from_data(data)
    check_agreement(symbolic_net, range(1, 90, 7))


@settings(max_examples=120, deadline=None)
@given(data=sequential_network(), sizes=st.lists(st.integers(1, 60), min_size=3, max_size=6))
def test_random_networks_symbolic_matches_concrete(data, sizes):
    net = network_from_data(data)
    check_agreement(net, sizes)


def _nested_rounding(expr) -> bool:
    """Whether a floor or ceiling sits inside another one."""
    return any(
        inner.atoms(sympy.floor, sympy.ceiling)
        for outer in expr.atoms(sympy.floor, sympy.ceiling)
        for inner in outer.args
    )


def test_long_strided_chain_stays_flat_and_exact():
    """A 160-layer chain of strided layers (issue 6: a RecursionError at 320 layers,
    60 s at 160): every size stays one floor or ceiling of an affine formula, and
    agrees with concrete inference on sizes deep enough to survive 40 halvings."""
    block = [
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3},
        {"type": "UpSampling2D", "size": 2},
        {"type": "Conv2D", "filters": 2, "kernel_size": 2, "strides": 1},
        {"type": "ZeroPadding2D", "padding": 1},
        {"type": "Conv2D", "filters": 2, "kernel_size": 1},
    ]
    net = network_from_data({"name": "chain", "input_shape": ["H", "W", 2], "layers": block * 20})
    result = planner.infer(net)
    assert result.ok, result.first_error
    for layer in result.layers:
        assert not any(_nested_rounding(sympy.sympify(d)) for d in layer.output_shape), layer
    check_agreement(net, [2**64 + 5, 3 * 2**63 + 1])


rationals = st.builds(sympy.Rational, st.integers(-(2**80), 2**80), st.integers(1, 2**80))


@settings(max_examples=100, deadline=None)
@given(a=rationals, b=rationals, c=rationals, two=st.booleans())
def test_direct_rounding_is_sympys_own(a, b, c, two):
    """``ops._round`` builds floor/ceiling of an affine argument without sympy's
    evaluation; the result must be the very expression sympy's evaluation gives."""
    from planner.symbolic.ops import _round

    arg = a * H + b + (c * W if two else 0)
    for kind in (sympy.floor, sympy.ceiling):
        assert sympy.srepr(_round(kind, arg)) == sympy.srepr(kind(arg)), arg
