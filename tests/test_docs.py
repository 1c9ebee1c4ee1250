"""Docs stay true to the code: every example in README.md and docs/ runs.

- ``console`` blocks: each ``$ planner ...`` command is run and its output compared
  with the text that follows it (timings normalised).
- ``python`` blocks are executed.
- The worked-examples table in docs/dialects.md is recomputed by the dialects.
- Docstring examples (``>>>``) in the public modules are run.

Regenerate the console outputs after a deliberate change with
``python tests/test_docs.py --update``.
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ENV = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
BLOCK = re.compile(r"```(console|python|yaml)\n(.*?)```", re.S)
TIMING = re.compile(r"\(\d+ ms\)")


def blocks(kind: str) -> list[tuple[str, int, str]]:
    found = []
    for path in DOCS:
        text = path.read_text()
        for m in BLOCK.finditer(text):
            if m.group(1) == kind:
                line = text[: m.start()].count("\n") + 1
                found.append((path.relative_to(ROOT).as_posix(), line, m.group(2)))
    return found


def commands(block: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line)
    return [(cmd, "\n".join(out)) for cmd, out in pairs]


def run(command: str) -> str:
    args = shlex.split(command)
    assert args[0] == "planner", command
    proc = subprocess.run(
        [sys.executable, "-m", "planner", *args[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
        check=False,
    )
    return normalise(proc.stdout + proc.stderr)


def normalise(text: str) -> str:
    lines = [line.rstrip() for line in TIMING.sub("(N ms)", text).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


CONSOLE = [
    (f"{p}:{line}", cmd, out) for p, line, b in blocks("console") for cmd, out in commands(b)
]


@pytest.mark.parametrize(("where", "command", "expected"), CONSOLE, ids=[c[0] for c in CONSOLE])
def test_console_example_output(where, command, expected):
    assert expected.strip(), f"{where}: no output recorded (python tests/test_docs.py --update)"
    assert run(command) == normalise(expected), f"{where}: `{command}` prints something else"


PYTHON = blocks("python")


@pytest.mark.parametrize(("where", "line", "code"), PYTHON, ids=[f"{p}:{n}" for p, n, _ in PYTHON])
def test_python_example_runs(where, line, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{where}:{line}", "exec"), {})


YAML = blocks("yaml")


def _check_fragment(key: str, value: object) -> None:
    """A documented field: validated in a one-layer network (keras conv, unless the
    key belongs to the network)."""
    import planner

    data: dict = {"name": "doc", "input_shape": ["H", "W", 1], "layers": []}
    layer = {"type": "conv", "filters": 1, "kernel_size": 3}
    if key in planner.Network.model_fields:
        data[key] = value
        data["layers"] = [layer]
    else:
        data["layers"] = [{**layer, key: value}]
    planner.load(data)


@pytest.mark.parametrize(("where", "line", "text"), YAML, ids=[f"{p}:{n}" for p, n, _ in YAML])
def test_yaml_snippet_loads(where, line, text):
    """Every YAML block parses, and means what planner reads: a whole network loads;
    a block of field lines is loaded one line at a time into a small network."""
    import planner

    data = yaml.safe_load(text)
    assert isinstance(data, dict), f"{where}:{line}: not a mapping"
    if "layers" in data:
        planner.load(data)
        return
    for raw in text.splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            ((key, value),) = yaml.safe_load(raw).items()
            _check_fragment(key, value)


def test_documented_flow_unknowns_parse():
    """``[?a, 1]`` (docs/solver.md) and ``[?H, ?H, 1]``: YAML reads ``?a`` inside
    ``[...]`` as a mapping key; planner reads it as the unknown it looks like."""
    import planner

    net = planner.loads(
        "input_shape: [?H, ?H, 1]\nlayers: [{type: Conv2D, filters: 1, kernel_size: [?a, 1]}]"
    )
    assert [str(d) for d in net.input_shape[:2]] == ["?H", "?H"]
    assert str(net.layers[0].kernel_size[0]) == "?a"


def dialect_rows() -> list[list[str]]:
    text = (ROOT / "docs" / "dialects.md").read_text()
    table = text.split("| framework | layer |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append(cells)
    return rows


@pytest.mark.parametrize("row", dialect_rows(), ids=lambda r: "-".join(r[:3]))
def test_dialect_table_row(row):
    from tests.conformance.common import plan_layer

    fw, kind, padding, n, k, s, d, options, output, pads, formula = row
    pad = padding.strip("`")
    pad_value = json.loads(pad) if pad[0] in "[0123456789" else pad
    key = "pool_size" if "pool" in kind else "kernel_size"
    layer = {"type": kind, key: int(k), "dilation": int(d), "padding": pad_value}
    if s != "default":
        layer["strides"] = int(s)
    if kind.startswith("conv"):
        layer["filters"] = 1
    if options:
        layer.update(yaml.safe_load("{" + options + "}"))
    shape = [int(n), 1] if fw in ("keras", "jax") else [1, int(n)]
    p = plan_layer(fw, shape, layer)
    assert p.error is None, p.error
    size = p.shape[0] if fw in ("keras", "jax") else p.shape[1]
    assert str(size) == output
    assert f"{p.padding[0][0]}\\|{p.padding[0][1]}" == pads
    assert p.result.formula == formula


MODULES = [
    "planner",
    "planner.costs.rules",
    "planner.costs.receptive",
    "planner.costs.analysis",
    "planner.costs.budget",
    "planner.json_text",
    "planner.errors",
    "planner.arguments",
    "planner.files",
    "planner.spec.loading",
    "planner.spec.values",
    "planner.spec.network",
    "planner.shapes.walk",
    "planner.shapes.tensor",
    "planner.solver.solve",
    "planner.solver.problem",
    "planner.budget",
    "planner.solver.inputs",
    "planner.dialects.arithmetic",
    "planner.fixes",
    "planner.tui.document",
    "planner.tui.edits",
    "planner.tui.explain",
    "planner.translate",
    "planner.codegen",
    "planner.export.source",
    "planner.export.keras_model",
    "planner.importers.keras_layers",
    "planner.importers.code_text",
    "planner.draw.network",
    "planner.draw.padding",
    "planner.collector",
    "planner.summary",
    "planner.summary_text",
    "planner.tui.widgets.solve_panel",
    "planner.spec.layers",
    "planner.symbolic.ops",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def update() -> None:
    """Rewrite every console block with the commands' current output."""
    for path in DOCS:
        text = path.read_text()

        def fill(m: re.Match[str]) -> str:
            if m.group(1) != "console":
                return m.group(0)
            out = []
            for cmd, _ in commands(m.group(2)):
                out.append(f"$ {cmd}")
                out.append(run(cmd))
            return "```console\n" + "\n".join(out) + "\n```"

        path.write_text(BLOCK.sub(fill, text))


if __name__ == "__main__" and "--update" in sys.argv:
    update()
