"""Fuzzing the command line (show, presets, schema, translate): any arguments give an
answer (exit 0/1) or bad input (exit 2) with one paragraph on stderr and, with
``--json``, an error object on stdout; never a traceback, never an internal error
(exit 3), each within a time bound."""

from __future__ import annotations

import json
import resource
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cli import app

runner = CliRunner()

VALID = """\
name: fuzz
framework: keras
input_shape: [28, 28, 1]
layers:
  - {type: Conv2D, filters: 4, kernel_size: 3, padding: same, name: c1}
  - {type: MaxPooling2D, pool_size: 2, name: p1}
  - {type: UpSampling2D, size: 2, name: u1}
  - {type: Concatenate, inputs: [u1, c1], name: m1}
"""

shapes = st.one_of(
    st.sampled_from(
        [
            "28,28,1",
            "Hx,W,1",
            "H,W,1",
            "572x572x1",
            "0,0,1",
            ",,",
            "",
            "1",
            "-3,4,1",
            "a b",
            "99999999999999999999,99999999999999999999,1",
            "1e9,1,1",
            "H,,1",
            "?p,W,1",
        ]
    ),
    st.lists(
        st.integers(-5, 10**15).map(str) | st.sampled_from(["H", "W", "", "x"]), max_size=5
    ).map(",".join),
    st.text(max_size=12),
)
frameworks = st.sampled_from(["keras", "torch", "jax", "onnx", "TORCH", "pytorch", "caffe", ""])
layers = st.sampled_from(["c1", "p1", "u1", "m1", "conv1", "nope", "", "-1"])


@st.composite
def network_args(draw, tmp) -> str:
    kind = draw(
        st.sampled_from(
            ["preset", "file", "spliced", "missing", "dir", "junk", "bomb", "deep", "long", "bytes"]
        )
    )
    if kind == "preset":
        return draw(st.sampled_from(["keras-autoencoder", "unet-original", "unet-orignal"]))
    if kind == "missing":
        return str(tmp / "no" / "such.yaml")
    if kind == "dir":
        return str(tmp)
    if kind == "junk":
        return draw(st.text(min_size=1, max_size=10).filter(lambda t: not t.startswith("-")))
    path = tmp / f"net{draw(st.integers(0, 9))}.yaml"
    if kind == "bytes":
        path.write_bytes(draw(st.binary(max_size=200)))
        return str(path)
    text = VALID
    if kind == "bomb":
        levels, fanout = draw(st.integers(1, 9)), draw(st.integers(2, 10))
        text = VALID + "".join(
            f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i else "lol"] * fanout) + "]\n"
            for i in range(levels + 1)
        )
    if kind == "deep":
        depth = draw(st.integers(2, 2000))
        text = VALID.replace("[u1, c1]", "[" * depth + "]" * depth)
    if kind == "long":
        count = draw(st.integers(1, 400))
        text = VALID + "  - {type: Conv2D, filters: 4, kernel_size: 1}\n" * count
    if kind == "spliced":
        at = draw(st.integers(0, len(VALID)))
        text = VALID[:at] + draw(st.text(max_size=8)) + VALID[at + draw(st.integers(0, 6)) :]
    path.write_text(text, encoding="utf-8", errors="replace")
    return str(path)


@st.composite
def command_lines(draw, tmp) -> list[str]:
    command = draw(st.sampled_from(["show", "presets", "schema", "translate"]))
    args = [command]
    if command in ("show", "translate"):
        args.append(draw(network_args(tmp)))
    if command == "translate":
        args.append(draw(layers))
        if draw(st.booleans()):
            args += ["--to", draw(frameworks)]
    options = []
    if draw(st.booleans()):
        options += [draw(st.sampled_from(["--input", "-i"])), draw(shapes)]
    if command == "show" and draw(st.booleans()):
        options += [draw(st.sampled_from(["--framework", "-f"])), draw(frameworks)]
    if draw(st.booleans()):
        options.append("--json")
    if draw(st.integers(0, 4)) == 0:
        options.append(draw(st.sampled_from(["--nope", "-x", "extra", "--json=1"])))
    return args + options


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_cli_answers_or_refuses_cleanly(data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    args = data.draw(command_lines(tmp))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = runner.invoke(app, args)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, (args, elapsed)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss < 300, args
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code != 2:
        return
    stderr = result.stderr
    # planner's own paragraph, or click's usage error for a malformed command line
    assert stderr.startswith("error: ") or "Error: " in stderr, (args, stderr)
    assert "None" not in stderr.replace("NoneType", "") or "None" in " ".join(args)
    if "--json" in args:
        error = json.loads(result.stdout)["error"]
        assert set(error) == {"type", "message", "layer", "field", "source", "line", "hints"}
        assert error["message"]
        if stderr.startswith("error: "):
            assert error["message"] in stderr
            net = args[1] if len(args) > 1 else None
            if error["type"] in ("SpecError", "FileError") and error["source"] is not None:
                assert error["source"] in (net, "<data>") or error["field"] == "--input"


def test_json_error_for_every_kind_of_bad_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("kernel_size: 3", "kernal_size: 3"))
    cases = {
        ("show", str(bad), "--json"): ("SpecError", "kernal_size", str(bad)),
        ("show", str(tmp_path / "none.yaml"), "--json"): ("FileError", None, None),
        ("show", str(tmp_path), "--json"): ("FileError", None, None),
        ("show", "keras-autoencoder", "-i", "Hx,,1", "--json"): ("SpecError", None, None),
        ("translate", str(bad.with_name("ok.yaml")), "c1", "--to", "caffe", "--json"): (
            "FileError",
            None,
            None,
        ),
    }
    for args, (kind, field_word, source) in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2, (args, result.output)
        error = json.loads(result.stdout)["error"]
        assert error["type"] == kind, (args, error)
        if field_word:
            assert field_word in error["message"]
        if source:
            assert error["source"] == source and error["line"] == 5 and error["layer"] == "c1"
        assert result.stderr.startswith("error: ")
