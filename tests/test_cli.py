"""The command line: output, JSON interface, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import planner
from planner.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_show_prints_a_summary_table():
    result = run("show", "keras-autoencoder")
    assert result.exit_code == 0, result.output
    assert "ceil(7/2) = 4, pad 0|1" in result.output
    assert "Total params: 4,385" in result.output


def test_show_json_interface():
    result = run("show", "unet-original", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"network", "framework", "input_shape", "output_shape", "total_params", "layers"} <= set(
        data
    )
    assert data["input_shape"] == [572, 572, 1]
    assert data["output_shape"] == [388, 388, 2]
    layer = data["layers"][0]
    assert {
        "name",
        "type",
        "inputs",
        "output_shape",
        "params",
        "padding",
        "formula",
        "error",
    } <= set(layer)
    assert layer["padding"] == [[0, 0], [0, 0]]
    crop = next(x for x in data["layers"] if x["name"] == "crop6")
    assert crop["inputs"] == ["conv4"] and crop["output_shape"] == [56, 56, 512]


def test_show_with_symbols_gives_formulas():
    result = run("show", "keras-autoencoder", "--input", "H,W,1", "--json")
    data = json.loads(result.stdout)
    assert data["output_shape"] == ["8*ceil(H/8) - 4", "8*ceil(W/8) - 4", 1]


def test_show_other_input_and_framework():
    result = run("show", "keras-autoencoder", "--input", "36,36,1", "--json")
    assert json.loads(result.stdout)["output_shape"] == [36, 36, 1]
    result = run("show", "keras-autoencoder", "--framework", "jax", "--json")
    assert json.loads(result.stdout)["framework"] == "jax"


def test_network_error_exits_1_and_still_lists_layers():
    result = run("show", "unet-original", "--input", "570,570,1", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    errors = [x for x in data["layers"] if x["error"]]
    first = errors[0]
    assert first["name"] == "merge6"
    assert "crop6 is 55, up6 is 54 on axis H" in first["error"]
    before = data["layers"][: data["layers"].index(first)]
    assert all(x["output_shape"] for x in before)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "no-such-preset"), "neither a file nor a preset"),
        (("show", "keras-autoencoder", "--input", "28,28"), "has 2 axes"),
        (("show", "keras-autoencoder", "--input", "28,-1,1"), ">= 1"),
        (("show", "keras-autoencoder", "--framework", "caffe"), "framework"),
    ],
)
def test_bad_input_exits_2_with_one_paragraph(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_yaml_file_exits_2(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "name: x\ninput_shape: [8, 8, 1]\nlayers:\n  - {type: conv, filters: 2, kernel_size: 3, strid: 2}\n"
    )
    result = run("show", str(path))
    assert result.exit_code == 2
    assert f"{path}:4" in result.output and "did you mean 'stride'" in result.output


def test_presets_list():
    result = run("presets", "--json")
    names = [p["name"] for p in json.loads(result.stdout)]
    assert "unet3d" in names


def test_python_dash_m_and_console_script_run():
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "show", "dcgan-generator", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["output_shape"] == [3, 64, 64]


def test_solve_json_interface():
    result = run("solve", "docs/examples/halve.yaml", "-t", "output=14", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["complete"] is True and data["reason"] is None
    assert data["solutions"] == [{"values": {"p": 1}, "cost": 10, "output_shape": [16, 14, 14]}]


def test_solve_without_solution_is_an_answer():
    result = run("solve", "docs/examples/halve.yaml", "-t", "output=40", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["solutions"] == [] and "40 is not reachable" in data["reason"]


def test_inputs_json_interface():
    result = run("inputs", "unet-original", "--near", "570", "--json")
    data = json.loads(result.stdout)
    assert data["axes"]["H"]["progressions"] == [
        {"first": 188, "step": 16, "last": None, "output": "16k + 4"}
    ]
    assert data["axes"]["H"]["output"] == "H - 184"
    assert data["nearest"]["W"] == {"below": 556, "above": 572, "valid": False}


def test_translate_json_interface():
    result = run("translate", "docs/examples/tf-same.yaml", "down", "--to", "torch", "--json")
    data = json.loads(result.stdout)
    assert data["exact"] is True
    assert data["layers"][0] == {"type": "zero_padding", "padding": [[0, 1], [0, 1]]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("solve", "unet-original", "-t", "outptu=388"), "Did you mean 'output'"),
        (("solve", "unet-original", "-t", "output=0"), ">= 1"),
        (("solve", "unet-original", "-u", "conv9.strid=1..2"), "no field 'strid'"),
        (("solve", "unet-original", "-u", "nolayer.padding"), "names no layer"),
        (("solve", "unet-original", "-u", "input.Q=1..9"), "axes are H, W"),
        (("inputs", "docs/examples/halve.yaml"), "unknowns p"),
        (("translate", "unet-original", "merge6", "--to", "torch"), "translation covers"),
        (("translate", "unet-original", "conv1", "--to", "caffe"), "unknown framework"),
    ],
)
def test_solver_commands_refuse_bad_input_clearly(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("planner ")


def test_help_lists_commands_in_order_and_arguments_with_their_help():
    listing = run("--help").output
    order = ["show", "solve", "inputs", "fix", "translate", "export", "import", "layer"]
    positions = [listing.index(f"\n  {name} ") for name in order]
    assert positions == sorted(positions)
    result = run("import", "--help")
    assert result.exit_code == 0
    arguments = result.output.split("Arguments:")[1].split("Options:")[0]
    assert "SOURCE" in arguments and "IMPORTS AND RUNS" in arguments and "[required]" in arguments
    solve_help = run("solve", "--help").output
    assert "-n, --limit INTEGER" in solve_help and "[default: 20]" in solve_help


def test_no_command_prints_the_help_and_exits_2():
    result = run()
    assert result.exit_code == 2 and "Commands:" in result.output


def test_shell_completion_offers_presets_then_files():
    env = {
        "_PLANNER_COMPLETE": "bash_complete",
        "COMP_WORDS": "planner show unet",
        "COMP_CWORD": "2",
    }
    result = runner.invoke(app, [], env=env, prog_name="planner")
    assert result.exit_code == 0
    offered = result.output.split()
    names = [n for n in planner.preset_names() if n.startswith("unet")]
    assert offered == [f"plain,{n}" for n in names] + ["file,unet"]
