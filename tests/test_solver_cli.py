"""`planner solve`, `inputs` and `fix` on the command line: budgets, progress, Ctrl-C,
validated options, and JSON that says how much it lists."""

from __future__ import annotations

import io
import json
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from planner.budget import Progress
from planner.cli import app
from planner.progress_display import ProgressDisplay
from tests import solver_networks as nets

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("solve", "unet-original", "-u", "input=1..9", "-n", "0"), "-n/--limit must be 1"),
        (("solve", "unet-original", "-u", "input=1..9", "-n", "-3"), "received -3"),
        (("solve", "unet-original", "-u", "input=10..1"), "reversed bounds (10 > 1)"),
        (("solve", "unet-original", "-u", "conv1_1.padding=9..2"), "reversed bounds"),
        (("solve", "unet-original", "-u", "input=1..9", "--time", "0"), "--time must be"),
        (("inputs", "unet-original", "--time", "-1"), "--time must be"),
        (("fix", "unet-original", "--time", "0"), "--time must be"),
        (("solve", "unet-original", "-u", "crop6.cropping=0..100000000"), "largest range"),
        (("solve", "unet-original", "-t", "output=10..1"), "reversed (10 > 1)"),
    ],
)
def test_bad_options_are_one_clear_error(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_solve_json_says_how_many_are_listed():
    result = run(
        "solve", "unet-original", "-u", "input=1..10**9", "-t", "output>=388", "-n", "3", "--json"
    )
    data = json.loads(result.stdout)
    assert data["listed"] == 3 == len(data["solutions"])
    assert data["total"] == (10**9 - 572) // 16 + 1 and data["complete"] is True
    every = json.loads(
        run(
            "solve", "unet-original", "-u", "input=1..700", "-t", "output>=388", "--all", "--json"
        ).stdout
    )
    assert every["listed"] == every["total"] == len(every["solutions"]) == 9


def test_table_footer_says_listed_of_total():
    result = run("solve", "unet-original", "-u", "input=1..10**9", "-t", "output>=388", "-n", "2")
    text = " ".join(result.stdout.split())
    assert "62,499,965 solutions in all; the best 2 listed" in text


def test_time_option_on_inputs_and_fix(tmp_path):
    path = tmp_path / "samplecnn.json"
    path.write_text(json.dumps(nets.samplecnn()))
    start = time.perf_counter()
    result = run("inputs", str(path), "--exact", "--time", "0.5", "--json")
    assert time.perf_counter() - start < 0.5 + 3
    data = json.loads(result.stdout)
    assert data["complete"] is False and "time budget" in data["reason"]
    text = run("inputs", str(path), "--exact", "--time", "0.5").stdout
    assert "Incomplete: the time budget ran out" in " ".join(text.split())
    broken = tmp_path / "concat.json"
    data = nets.concat_net()
    data["input_shape"] = [63, 63, 3]
    broken.write_text(json.dumps(data))
    fixed = json.loads(run("fix", str(broken), "--time", "5", "--json").stdout)
    assert "complete" in fixed and fixed["fixes"][0]["summary"] == "input size 64 (was 63)"


def test_inputs_near_says_none_below_instead_of_none():
    result = run("inputs", "unet-original", "--near", "100")
    assert "nearest valid: none below, above 188" in result.stdout
    assert "None" not in result.stdout


def test_progress_display_draws_a_bar_once_a_run_is_long():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100)
    display = ProgressDisplay(console, "solving", delay=0.0)
    display(Progress("solve", 3, 10, "layer 'conv3'", 1.2))
    display(Progress("solve", 10, 10, "done", 2.0))
    display.close()
    assert "solving" in buffer.getvalue() and "10/10" in buffer.getvalue()
    quiet = io.StringIO()
    patient = ProgressDisplay(Console(file=quiet, force_terminal=True), "solving", delay=60)
    patient(Progress("solve", 1, 10, "", 0.1))
    patient.close()
    assert quiet.getvalue() == ""


@pytest.mark.parametrize(
    ("command", "module", "name"),
    [
        ("solve", "planner.solver", "solve"),
        ("inputs", "planner.solver", "valid_inputs"),
        ("fix", "planner.fixes", "fixes"),
    ],
)
def test_ctrl_c_exits_130_with_one_line(command, module, name, monkeypatch):
    """Ctrl-C raises KeyboardInterrupt wherever the search is: here, from inside it."""
    import importlib

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    result = run(command, "unet-original")
    assert result.exit_code == 130
    assert result.stderr == f"interrupted: planner {command} stopped by Ctrl-C\n"
    assert result.stdout == ""


# --- fuzzing the three commands: an answer or one clear error, within the budget ----

units = st.sampled_from(
    [
        "input=1..10**12",
        "input=50..10",
        "input=-5..5",
        "input.H=1..10**6",
        "conv1_1.padding=0..1000000000",
        "conv1_1.padding=3..1",
        "conv1_1.strides=1..3",
        "pool1.stride=0..4",
        "pool1.ceil_mode",
        "conv9.padding",
        "crop6.cropping=0..40",
        "nolayer.padding",
        "input=1..1e40",
        "input=x..y",
    ]
)
targets = st.sampled_from(
    [
        "output=388",
        "output=0",
        "output>=10**3",
        "output>=1000000000000",
        "output in {1, 2, 388}",
        "output=400..300",
        "output % 0 == 0",
        "output % 32 == 0",
        "conv5.H<=60",
        "output=input",
        "output.Q=3",
        "output",
    ]
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(["solve", "inputs", "fix"]),
    unknown=st.lists(units, max_size=2),
    target=st.lists(targets, max_size=2),
    limit=st.sampled_from(["1", "5", "0", "-3", "abc", "100000000000"]),
)
def test_cli_fuzz_answers_or_one_clear_error_in_time(command, unknown, target, limit):
    args = [command, "unet-original", "--time", "1"]
    if command == "solve":
        args += [x for u in unknown for x in ("-u", u)] + ["-n", limit]
    if command in ("solve", "fix"):
        args += [x for t in target for x in ("-t", t)]
    start = time.perf_counter()
    result = runner.invoke(app, args)
    elapsed = time.perf_counter() - start
    assert result.exit_code in (0, 2), (args, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    assert elapsed < 1 + 3, (args, elapsed)
