"""``planner layer``: one layer call as code, its output shape, per-side padding and
formula; checked against building the same layer in the framework."""

from __future__ import annotations

import json

import keras
import numpy as np
import torch
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import app
from planner.errors import SpecError
from planner.importers.code_text import one_layer


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, ["layer", *args], env={"COLUMNS": "200"})


def test_issue_example_torch() -> None:
    call = "nn.Conv2d(3, 16, 3, stride=2, dilation=2, padding=(1, 0))"
    proc = cli(call, "--input", "3,28,28")
    assert proc.exit_code == 0, proc.output
    real = torch.nn.Conv2d(3, 16, 3, stride=2, dilation=2, padding=(1, 0))
    shape = tuple(real(torch.zeros(1, 3, 28, 28)).shape[1:])
    assert f"output: {shape}" in proc.output
    assert "padding (before|after): H 1|1, W 0|0" in proc.output
    assert "formula: H: floor((28 + 2 - 5)/2) + 1 = 13" in proc.output


def test_issue_example_keras_json() -> None:
    proc = cli("Conv2D(16, (3, 3), strides=2, padding='same')", "--input", "5,5,1", "--json")
    data = json.loads(proc.output)
    real = keras.layers.Conv2D(16, (3, 3), strides=2, padding="same")
    y = real(np.zeros((1, 5, 5, 1), "float32"))
    assert data["framework"] == "keras"
    assert tuple(data["output_shape"]) == tuple(y.shape[1:])
    assert data["padding"] == [[1, 1], [1, 1]]
    assert data["params"] == real.count_params()


@settings(max_examples=25, deadline=None)
@given(
    k=st.integers(1, 5), s=st.integers(1, 3), d=st.integers(1, 2),
    p=st.tuples(st.integers(0, 2), st.integers(0, 2)), size=st.integers(6, 20),
)  # fmt: skip
def test_torch_conv_calls_match_torch(
    k: int, s: int, d: int, p: tuple[int, int], size: int
) -> None:
    call = f"nn.Conv2d(2, 3, {k}, stride={s}, dilation={d}, padding={p})"
    real = torch.nn.Conv2d(2, 3, k, stride=s, dilation=d, padding=p)
    try:
        want = tuple(real(torch.zeros(1, 2, size, size + 1)).shape[1:])
    except RuntimeError:
        # PyTorch refuses (input smaller than the kernel): planner reports an error too.
        try:
            _, result = one_layer(call, [2, size, size + 1])
        except SpecError:
            return
        assert result.error is not None
        return
    _, result = one_layer(call, [2, size, size + 1])
    assert result.output_shape == want
    assert result.padding == [(p[0], p[0]), (p[1], p[1])]


def test_channel_mismatch_is_named() -> None:
    proc = cli("nn.Conv2d(4, 8, 3)", "--input", "3,28,28")
    assert proc.exit_code == 2
    assert "the call takes 4 input channels but --input 3,28,28 has 3" in proc.output


def test_unknown_call_is_named() -> None:
    proc = cli("nn.Frobnicate(3)", "--input", "3,28,28")
    assert proc.exit_code == 2 and "nn.Frobnicate (Frobnicate)" in proc.output
