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
