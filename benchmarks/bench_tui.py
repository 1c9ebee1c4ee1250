"""How quickly ``planner tui`` answers: an edit on a big network, and keys during a solve.

Two figures, measured headless with Textual's ``run_test`` (``time.perf_counter``):

1. **Edit -> refreshed table** on a generated 300-layer network (conv/batch-norm/
   activation blocks with a skip every block): the time from applying an edit (a
   kernel size in the middle of the stack) to the table showing every new shape,
   that is ``planner.infer`` + the keyed table diff + the form. Also the table diff
   alone. Aim: under 50 ms.
2. **Key-press latency while a solve runs**: a solve that takes many seconds (ten
   kernel sizes of the original U-Net unknown) runs in its worker thread; the arrow
   key is pressed repeatedly (``App.simulate_key``, the event a terminal driver
   posts) and the time until the selection has moved is measured, next to the same
   figure with no solve running. Aim: under 100 ms.

Run: ``python benchmarks/bench_tui.py`` (``--repeat N`` edits and key presses;
``--json`` for machine-readable output).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import planner
from planner.tui import edits
from planner.tui.app import PlannerApp
from planner.tui.rows import build_rows


def big_network(blocks: int = 75) -> planner.Network:
    """``4 * blocks`` layers: conv, batch norm, activation, and an add (a skip)."""
    layers: list[dict[str, object]] = [
        {"type": "conv", "filters": 16, "kernel_size": 3, "padding": "same", "name": "stem"}
    ]
    previous = "stem"
    for b in range(blocks - 1):
        layers += [
            {"type": "conv", "filters": 16, "kernel_size": 3, "padding": "same", "name": f"c{b}"},
            {"type": "batch_norm", "name": f"bn{b}"},
            {"type": "activation", "activation": "relu", "name": f"r{b}"},
            {"type": "add", "inputs": [f"r{b}", previous], "name": f"add{b}"},
        ]
        previous = f"add{b}"
    layers += [
        {"type": "batch_norm", "name": "bn_out"},
        {"type": "activation", "activation": "relu", "name": "r_out"},
        {"type": "conv", "filters": 1, "kernel_size": 1, "name": "head"},
    ]
    return planner.load(
        {"name": "big", "framework": "torch", "input_shape": [16, 64, 64], "layers": layers}
    )


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
    }


async def bench_edit(repeat: int) -> dict[str, object]:
    net = big_network()
    cache = Path(tempfile.mkdtemp())
    app = PlannerApp(net, cache_dir=cache, recover=False)
    full: list[float] = []
    diff: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        middle = next(n for n in net.layer_names[len(net.layers) // 2 :] if n.startswith("c"))
        # Select the edited layer so the form is part of the cost, as in real use.
        app.table.select(middle)
        await pilot.pause()
        for i in range(repeat):
            kernel = 5 if i % 2 == 0 else 3
            new = edits.set_field(app.document.network, middle, "kernel_size", kernel)
            started = time.perf_counter()
            await app.apply_edit(f"k{kernel}", new)
            full.append(time.perf_counter() - started)
            shown = app.table.get_cell(middle, "output")
            assert str(shown) == app.table.row(middle).text("output")
            rows = build_rows(planner.infer(app.document.network))
            app.table.refresh_rows(rows)  # nothing changed: warm
            other = build_rows(
                planner.infer(edits.set_field(app.document.network, middle, "filters", 8 + i))
            )
            started = time.perf_counter()
            app.table.refresh_rows(other)
            diff.append(time.perf_counter() - started)
            app.table.refresh_rows(rows)
            await app.workers.wait_for_complete()
            await pilot.pause()
    return {
        "layers": len(net.layers),
        "edit_to_table": _ms(full),
        "table_diff_only": _ms(diff),
    }


async def bench_keys(repeat: int) -> dict[str, object]:
    net = planner.load("unet-original")
    # A search that keeps running until its time budget: the ten kernel sizes alone are
    # answered in under a second; the unknown input range keeps it searching.
    unknowns = [f"{n}.kernel_size=1..7" for n in net.layer_names if n.startswith("conv")][:10]
    unknowns.append("input=1..4096")
    cache = Path(tempfile.mkdtemp())
    app = PlannerApp(net, cache_dir=cache, recover=False)
    latencies: list[float] = []
    idle: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.table.focus()
        await pilot.pause()
        for i in range(repeat):
            before = app.selected
            started = time.perf_counter()
            app.simulate_key("down" if i % 2 == 0 else "up")
            while app.selected == before:
                await asyncio.sleep(0.001)
            idle.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
        app.runs.start("solve", ["output=input"], unknowns)
        await pilot.pause(0.5)
        assert "solve" in app.runs.running, "the solve should still be running"
        app.table.focus()
        for i in range(repeat):
            key = "down" if i % 2 == 0 else "up"
            before = app.selected
            started = time.perf_counter()
            # What a terminal driver does with a key (Pilot.press would also wait
            # until the process is idle, which it is not while a solve runs).
            app.simulate_key(key)
            while app.selected == before:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
        still_running = "solve" in app.runs.running
        app.runs.cancel("solve")
        await app.workers.wait_for_complete()
    return {
        "key_press": _ms(latencies),
        "key_press_idle": _ms(idle),
        "solve_running_throughout": still_running,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "edit": asyncio.run(bench_edit(args.repeat)),
        "keys_during_solve": asyncio.run(bench_keys(args.repeat)),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    edit = results["edit"]
    keys = results["keys_during_solve"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"planner tui benchmark (Python {results['python']}, {results['cpus']} CPUs, "
        f"load average {load})"
    )
    print(
        f"edit -> refreshed table, {edit['layers']} layers: median "
        f"{edit['edit_to_table']['median_ms']} ms, max {edit['edit_to_table']['max_ms']} ms "
        "(aim < 50 ms)"
    )
    print(
        f"  of which the keyed table diff: median {edit['table_diff_only']['median_ms']} ms, "
        f"max {edit['table_diff_only']['max_ms']} ms"
    )
    print(
        f"key press answered while a solve runs: median {keys['key_press']['median_ms']} ms, "
        f"max {keys['key_press']['max_ms']} ms (aim < 100 ms; solve running throughout: "
        f"{keys['solve_running_throughout']})"
    )
    print(
        f"  the same key with nothing running: median {keys['key_press_idle']['median_ms']} ms, "
        f"max {keys['key_press_idle']['max_ms']} ms"
    )


if __name__ == "__main__":
    main()
