"""Bad input never gives a traceback: random, often malformed networks through the CLI
and the API end in a result or one clear PlannerError."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

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
def test_api_solve_and_fix_raise_only_planner_errors(data, target):
    try:
        net = planner.load(data)
        planner.solve(net, [target], limit=3, time_budget=2.0)
        planner.fixes(net, [target], time_budget=1.0)
    except planner.PlannerError as exc:
        assert str(exc)


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
