"""How long ``planner.load`` takes to read and validate a network, part by part.

For three presets and generated networks of 1,000 and 10,000 layers (the blocks of
``bench_show.py``, written to a temporary folder), in one process, this times (median
of the CPU time of several runs, ``time.process_time``, so that other processes on
the machine count little):

- resolve: ``planner.presets.resolve`` (a preset's name to its file);
- read: ``planner.spec.loading.read_text`` (the file's text);
- parse: ``planner.spec.loading.parse_text`` (YAML text to plain data);
- validate: ``planner.spec.loading.network_from_data`` (pydantic validation, layer
  types, names, per-axis normal forms);
- load: ``planner.load`` of the name or path, all of the above (each run a fresh
  load: nothing is kept from one to the next).

With ``--instructions`` (needs valgrind), the instructions that one ``planner.load``
executes are counted too (callgrind, a process loading the network ``k`` times less
one loading it 0 times, divided by ``k``): a figure that the machine's load does not
change, to compare two trees on a shared machine.

Run: ``python benchmarks/bench_load.py [--runs N] [--json] [--instructions]``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generated import generated_text

import planner
from planner import presets
from planner.spec import loading

PRESETS = ("keras-autoencoder", "unet-original", "vgg16")
GENERATED = (1000, 10_000)


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def parts(source: str, runs: int) -> dict[str, float]:
    path = presets.resolve(source)
    text = loading.read_text(path)
    data, lines = loading.parse_text(text, str(path))
    return {
        "resolve": median_ms(lambda: presets.resolve(source), runs),
        "read": median_ms(lambda: loading.read_text(path), runs),
        "parse": median_ms(lambda: loading.parse_text(text, str(path)), runs),
        "validate": median_ms(lambda: loading.network_from_data(data, str(path), lines), runs),
        "load": median_ms(lambda: planner.load(source), runs),
    }


PYTHON = (sys.executable, "-c")
_COUNT = """
import sys
import planner
planner.load("keras-autoencoder")
for _ in range({k}):
    planner.load({source!r})
"""


def instructions(source: str, k: int) -> float:
    """Millions of instructions of one ``planner.load(source)`` (callgrind)."""
    counts = []
    for n in (0, k):
        code = _COUNT.format(k=n, source=source)
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *PYTHON, code],
            capture_output=True,
            text=True,
            check=True,
        )
        counts.append(int(re.search(r"Collected : (\d+)", proc.stderr).group(1)))
    return (counts[1] - counts[0]) / k / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per figure (small networks)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    sources = {name: name for name in PRESETS}
    for layers in GENERATED:
        path = folder / f"generated-{layers}.yaml"
        path.write_text(generated_text(layers), encoding="utf-8")
        sources[f"generated-{layers}"] = str(path)
    planner.load("keras-autoencoder")  # imports and the validator, outside the clock
    results = []
    for name, source in sources.items():
        layers = len(planner.load(source).layers)
        runs = max(3, args.runs * 13 // max(layers, 13)) if layers > 100 else args.runs
        row: dict[str, Any] = {"network": name, "layers": layers, **parts(source, runs)}
        row["us_per_layer"] = row["load"] * 1000 / layers
        if args.instructions:
            row["M_instructions"] = instructions(source, 3 if layers > 100 else 50)
        results.append(row)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    keys = [k for k in results[0] if k not in ("network", "layers")]
    print(f"{'network':20s} {'layers':>6s} " + " ".join(f"{k:>12s}" for k in keys))
    for row in results:
        cells = " ".join(f"{row[k]:12.3f}" for k in keys)
        print(f"{row['network']:20s} {row['layers']:6d} {cells}")
    print("(ms of CPU time, medians; us_per_layer: load / layers)")


if __name__ == "__main__":
    main()
