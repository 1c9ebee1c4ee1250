"""What reading and writing network files costs: bounded YAML loading, alias bombs,
and saving an edit into the user's file (round-trip YAML).

Measured (median of several runs, ``time.perf_counter``; peak memory with
``tracemalloc``):

- load: ``planner.loads`` of each preset's text and of generated long networks;
- alias bombs ("billion laughs", 9 aliases per level): time and peak memory until
  planner refuses the text;
- save: ``planner.files.update_document`` after one changed value (the work of
  ``planner fix --apply`` and of the terminal UI's save), and the number of lines it
  changed in the user's text.

Run: ``python benchmarks/bench_files.py`` (``--json`` for machine-readable output,
``--repeat N`` for the number of runs).
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import planner
from planner.files import update_document
from planner.presets import preset_path


def timed(run: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_mb(run: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        run()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 1e6


def generated(count: int) -> str:
    rows = "".join(
        f"- {{type: Conv2D, filters: 8, kernel_size: 3, padding: same, name: c{i}}}\n"
        for i in range(count)
    )
    return f"# generated\nname: long\ninput_shape: [64, 64, 3]\nlayers:\n{rows}"


def bomb(levels: int) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\nname: bomb\ninput_shape: [8, 8, 1]\nlayers: []\n"


def refuse(text: str) -> str:
    try:
        planner.loads(text)
    except planner.PlannerError as exc:
        return exc.message[:40]
    return "loaded"


def one_edit(text: str) -> planner.Network:
    """The network of ``text`` with the kernel size of its middle convolution set to 5."""
    data = planner.loads(text).to_data()
    convs = [layer for layer in data["layers"] if "kernel_size" in layer]
    convs[len(convs) // 2]["kernel_size"] = 5
    return planner.load(data)


def changed(before: str, after: str) -> int:
    return sum(
        1 for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[0] in "+-"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    texts = {name: preset_path(name).read_text() for name in planner.preset_names()}
    texts |= {f"generated-{n}": generated(n) for n in (100, 300, 1000)}
    rows: list[dict[str, Any]] = []
    for name, text in texts.items():
        new = one_edit(text)
        out = update_document(text, new)
        assert planner.loads(out).to_data() == new.to_data(), name
        rows.append(
            {
                "network": name,
                "lines": text.count("\n"),
                "load_ms": round(timed(lambda t=text: planner.loads(t), args.repeat), 1),
                "save_ms": round(timed(lambda t=text, n=new: update_document(t, n), 1), 1),
                "lines_changed": changed(text, out),
            }
        )
    bombs = []
    for levels in (5, 7, 9):
        text = bomb(levels)
        bombs.append(
            {
                "levels": levels,
                "expands_to": 9 ** (levels + 1),
                "refused_ms": round(timed(lambda t=text: refuse(t), args.repeat), 2),
                "peak_mb": round(peak_mb(lambda t=text: refuse(t)), 2),
                "answer": refuse(text),
            }
        )
    if args.json:
        print(json.dumps({"files": rows, "bombs": bombs}, indent=2))
        return
    print("| network | lines | load ms | save one edit ms | lines changed |")
    print("|:--|--:|--:|--:|--:|")
    for r in rows:
        print(
            f"| {r['network']} | {r['lines']} | {r['load_ms']} | {r['save_ms']} "
            f"| {r['lines_changed']} |"
        )
    print()
    print("| alias levels | values it expands to | refused in ms | peak MB | answer |")
    print("|--:|--:|--:|--:|:--|")
    for b in bombs:
        print(
            f"| {b['levels']} | {b['expands_to']:,} | {b['refused_ms']} | {b['peak_mb']} "
            f"| {b['answer']}... |"
        )


if __name__ == "__main__":
    main()
