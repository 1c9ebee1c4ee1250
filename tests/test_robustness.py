"""Bad input never gives a traceback: random, often malformed networks through the CLI
and the API end in a result or one clear PlannerError."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import planner
from planner.cli import app
from planner.spec.values import Unknown

values = st.one_of(
    st.integers(-3, 40),
    st.sampled_from(["same", "valid", "causal", "?p", "H", "x", ""]),
    st.none(),
    st.booleans(),
    st.floats(-2, 4, allow_nan=False),
    st.lists(st.integers(-2, 6), max_size=4),
    st.lists(st.lists(st.integers(-2, 4), min_size=2, max_size=2), max_size=3),
)
keys = st.sampled_from(
    [
        "kernel_size",
        "strides",
        "padding",
        "filters",
        "pool_size",
        "dilation",
        "output_padding",
        "cropping",
        "scale",
        "units",
        "inputs",
        "name",
        "axis",
        "ceil_mode",
        "kernal_size",
    ]
)
types = st.sampled_from(
    [
        "Conv2D",
        "conv",
        "MaxPool2d",
        "max_pool",
        "ConvTranspose2d",
        "UpSampling2D",
        "Cropping2D",
        "ZeroPad2d",
        "concatenate",
        "add",
        "Dense",
        "Flatten",
        "ReLU",
        "BatchNorm2d",
        "Conv3D",
        "nonsense",
        3,
    ]
)
layers = st.fixed_dictionaries({"type": types}, optional={}).flatmap(
    lambda base: st.dictionaries(keys, values, max_size=4).map(lambda extra: {**base, **extra})
)
networks = st.fixed_dictionaries(
    {
        "name": st.just("fuzz"),
        "framework": st.sampled_from(["keras", "torch", "jax", "onnx", "caffe"]),
        "input_shape": st.lists(
            st.one_of(st.integers(-1, 40), st.just("H")), min_size=0, max_size=4
        ),
        "layers": st.lists(layers, max_size=5),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks)
def test_cli_show_never_tracebacks(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "net.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["show", str(path), "--json"])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 2:
        assert result.output.startswith("error: ")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks, target=st.sampled_from(["output=input", "output=7", "nope=3", "output"]))
@example(
    data={
        "name": "fuzz",
        "framework": "keras",
        "input_shape": ["H", "H", "H"],
        "layers": [{"type": "Cropping2D"}],
    },
    target="output=input",
)
@example(
    data={
        "name": "fuzz",
        "framework": "keras",
        "input_shape": ["H", "H", "H"],
        "layers": [{"type": "UpSampling2D"}],
    },
    target="output=input",
)
def test_api_solve_and_fix_raise_only_planner_errors(data, target):
    try:
        net = planner.load(data)
        planner.solve(net, [target], limit=3, time_budget=2.0)
        planner.fixes(net, [target], time_budget=1.0)
    except planner.PlannerError as exc:
        assert str(exc)


@pytest.mark.parametrize("layer", [{"type": "Cropping2D"}, {"type": "UpSampling2D"}])
@pytest.mark.parametrize("target", ["output=input", "output>=input", "output=14"])
def test_named_input_sizes_are_refused_by_solve_and_fixes(layer, target):
    """A size named H has no value: a requirement on it (H >= 1, found by hypothesis
    as an unverified solution) or a target against it (2*H >= H, a sympy TypeError in
    fixes) cannot be decided, so both refuse and say how to ask instead."""
    net = planner.load(
        {"name": "named", "framework": "keras", "input_shape": ["H", "H", 3], "layers": [layer]}
    )
    for call in (planner.solve, planner.fixes):
        with pytest.raises(planner.PlannerError, match=r"axis H, W is a name.*input=1\.\.1024"):
            call(net, [target])
    # Asked as the message says, the question has an answer: Cropping2D() keeps n,
    # UpSampling2D() doubles it (Keras' default size 2).
    result = planner.solve(net, [target], unknowns=["input=1..40"], limit=None)
    out = {"Cropping2D": lambda n: n, "UpSampling2D": lambda n: 2 * n}[layer["type"]]
    holds = {
        "output=input": lambda n: out(n) == n,
        "output>=input": lambda n: out(n) >= n,
        "output=14": lambda n: out(n) == 14,
    }[target]
    assert result.complete
    assert sorted(s.values["input"] for s in result.solutions) == [
        n for n in range(1, 41) if holds(n)
    ]


def test_python_unknown_objects():
    net = planner.load(
        {
            "name": "py",
            "framework": "torch",
            "input_shape": [3, 28, 28],
            "layers": [
                {
                    "type": "Conv2d",
                    "out_channels": 4,
                    "kernel_size": 3,
                    "stride": 2,
                    "padding": Unknown("p", 0, 4),
                },
            ],
        }
    )
    result = planner.solve(net, ["output=14"])
    assert [s.values for s in result.solutions] == [{"p": 1}]
    assert result.unknowns == {"p": {"min": 0, "max": 4, "ref": None}}


# --- issue 6: every failure of the public API is a PlannerError -----------------------


@pytest.mark.parametrize(
    ("call", "kind", "field", "words"),
    [
        (lambda net: planner.load(3), planner.ArgumentError, "source", "received int 3"),
        (lambda net: planner.load(None), planner.ArgumentError, "source", "received nothing"),
        (lambda net: planner.loads(3), planner.ArgumentError, "text", "planner.load(path)"),
        (
            lambda net: planner.infer(net, input_shape="abc"),
            planner.ArgumentError,
            "input_shape",
            "received str 'abc'",
        ),
        (
            lambda net: planner.infer("unet-original"),
            planner.ArgumentError,
            "net",
            "planner.load('unet-original')",
        ),
        (lambda net: planner.solve(3, ["output=1"]), planner.ArgumentError, "net", "int 3"),
        (lambda net: planner.valid_inputs([]), planner.ArgumentError, "net", "list []"),
        (lambda net: planner.fixes({"a": 1}), planner.ArgumentError, "net", "planner.load"),
        (lambda net: planner.translate(3, "c", "torch"), planner.ArgumentError, "net", "int 3"),
        (lambda net: planner.infer(net, values=[1]), planner.ArgumentError, "values", "[1]"),
    ],
)
def test_wrong_argument_types(call, kind, field, words):
    net = planner.load("keras-autoencoder")
    with pytest.raises(kind) as info:
        call(net)
    assert info.value.field == field
    assert words in str(info.value)
    assert "None" not in str(info.value)


def test_exporters_check_their_argument():
    from planner import export

    with pytest.raises(planner.ArgumentError, match=r"planner\.export\.to_torch takes a Network"):
        export.to_torch("unet-original")


def test_missing_file_directory_and_directory_as_file(tmp_path):
    with pytest.raises(planner.FileError, match=r"the directory .*missing does not exist"):
        planner.load(tmp_path / "missing" / "net.yaml")
    with pytest.raises(planner.FileError, match="is a directory"):
        planner.load(tmp_path)
    with pytest.raises(planner.FileError, match="no such file"):
        planner.load(tmp_path / "net.yaml")


def test_empty_input_shape_is_explained():
    text = "input_shape: []\nlayers: [{type: Conv2D, filters: 1, kernel_size: 1}]\n"
    with pytest.raises(planner.SpecError) as info:
        planner.loads(text)
    message = str(info.value)
    assert "-1" not in message and "spatial axes" not in message
    assert info.value.field == "input_shape" and info.value.line == 1
    assert "[28, 28, 1]" in message and "received list []" in message


def test_fix_summaries_never_say_none():
    net = planner.load(
        {
            "name": "t",
            "framework": "torch",
            "input_shape": [1, 9, 9],
            "layers": [
                {"type": "ConvTranspose2d", "out_channels": 1, "kernel_size": 3, "stride": 2},
            ],
        }
    )
    result = planner.fixes(net, ["output=20"])
    summaries = [f.summary for f in result.fixes]
    assert any("output_padding" in s for s in summaries), summaries
    assert not [s for s in summaries if "None" in s]


# --- issue 6: the CLI never shows a traceback -----------------------------------------


def test_input_with_an_x_inside_a_symbol():
    result = CliRunner().invoke(app, ["show", "keras-autoencoder", "-i", "Hx,W,1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input_shape"] == ["Hx", "W", 1]
    result = CliRunner().invoke(app, ["show", "keras-autoencoder", "-i", "28x28x1", "--json"])
    assert json.loads(result.stdout)["input_shape"] == [28, 28, 1]
    result = CliRunner().invoke(app, ["show", "keras-autoencoder", "-i", "H,,1"])
    assert result.exit_code == 2 and "empty entry" not in result.stderr
    assert "entry 2 of the shape 'H,,1' is empty" in result.stderr


def test_internal_errors_exit_3_with_a_report(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("something internal")

    monkeypatch.setattr(planner, "infer", broken)
    result = CliRunner().invoke(app, ["show", "keras-autoencoder", "--json"])
    assert result.exit_code == 3
    report = result.stderr
    assert report.startswith(f"internal error: planner {planner.__version__} ")
    assert "ValueError (something internal)" in report
    assert "`planner show keras-autoencoder --json`" in report
    assert "bug in planner" in report and "report it" in report
    assert "Traceback" not in result.output
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "InternalError" and error["hints"] == ["ValueError: something internal"]


def test_planner_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr(planner, "infer", lambda *a, **k: 1 / 0)
    monkeypatch.setenv("PLANNER_DEBUG", "1")
    result = CliRunner().invoke(app, ["show", "keras-autoencoder"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_usage_errors_give_json_too():
    result = CliRunner().invoke(app, ["solve", "keras-autoencoder", "-n", "abc", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "UsageError" and error["field"] == "--limit"
    assert "Invalid value" in result.stderr


def test_a_real_process_prints_no_traceback(tmp_path):
    import subprocess
    import sys

    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 8)]
    bomb.write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "show", str(bomb), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert re.match(
        rf"error: {re.escape(str(bomb))}:\d+: its aliases \(\*a\d and others\)", proc.stderr
    )
    assert json.loads(proc.stdout)["error"]["source"] == str(bomb)


def test_ctrl_c_in_any_command_exits_130(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(planner, "infer", interrupted)
    result = CliRunner().invoke(app, ["show", "keras-autoencoder"])
    assert result.exit_code == 130
    assert result.stderr == "interrupted: planner show stopped by Ctrl-C\n"
