"""Benchmark the reverse solver against brute force (a script, not a test).

Three problems, each timed for planner and for brute force:

1. valid input sizes of a 5-level U-Net (valid 3x3 convs, cropped skips):
   planner's closed form vs forward inference of every size 1..N (planner's own
   arithmetic) and vs the real framework on PyTorch's ``meta`` device (sampled and
   extrapolated to 1..N, marked so);
2. a 3-unknown autoencoder solve (input size, a padding mode, an output crop):
   planner's solver vs forward inference of every assignment;
3. 20 unknown paddings in a 100-layer network: planner's solver vs the cost of
   enumerating 3**20 assignments (one inference timed, multiplied out).

Run: ``python benchmarks/bench_solver.py [--json] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("KERAS_BACKEND", "torch")

import planner
from planner.solver import solve, valid_inputs
from planner.solver.search import collect_vars, verify
from planner.spec.loading import network_from_data


def median_time(fn: Any, repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def unet(levels: int, framework: str = "torch") -> planner.Network:
    """An original-style U-Net with ``levels`` poolings: valid convs, cropped skips."""
    layers: list[dict[str, Any]] = []
    for i in range(1, levels + 1):
        f = 2 ** (i + 2)
        layers += [
            {"type": "conv", "filters": f, "kernel_size": 3, "name": f"c{i}a"},
            {"type": "conv", "filters": f, "kernel_size": 3, "name": f"c{i}"},
            {"type": "max_pool", "pool_size": 2, "name": f"p{i}"},
        ]
    layers += [
        {"type": "conv", "filters": 2 ** (levels + 3), "kernel_size": 3, "name": "mid_a"},
        {"type": "conv", "filters": 2 ** (levels + 3), "kernel_size": 3, "name": "mid"},
    ]
    prev = "mid"
    crop = 4
    for i in range(levels, 0, -1):
        f = 2 ** (i + 2)
        layers += [
            {
                "type": "conv_transpose",
                "filters": f,
                "kernel_size": 2,
                "strides": 2,
                "name": f"u{i}",
                "inputs": [prev],
            },
            {
                "type": "cropping",
                "cropping": "?" + f"k{i}",
                "name": f"crop{i}",
                "inputs": [f"c{i}"],
            },
            {"type": "concatenate", "name": f"m{i}", "inputs": [f"crop{i}", f"u{i}"]},
            {"type": "conv", "filters": f, "kernel_size": 3, "name": f"d{i}a"},
            {"type": "conv", "filters": f, "kernel_size": 3, "name": f"d{i}"},
        ]
        prev = f"d{i}"
        crop = crop * 2 + 4
    data = {
        "name": f"unet{levels}",
        "framework": framework,
        "input_shape": [1, 572, 572],
        "layers": layers,
    }
    net = network_from_data(data)
    # Solve the crops once so that the network is concrete (cropping every skip exactly).
    crops = solve(net, [], limit=1).solutions
    values = crops[0].values if crops else {}
    for item in data["layers"]:
        if item["type"] == "cropping":
            item["cropping"] = values.get(item["cropping"][1:], 0)
    return network_from_data(data)


def bench_inputs(repeat: int, scan_to: int, torch_samples: int) -> dict[str, Any]:
    net = unet(5)
    t_planner, result = median_time(lambda: valid_inputs(net), repeat)
    axis = result.axes["H"]
    # Brute force 1: planner's own forward inference of every square size.
    start = time.perf_counter()
    valid = [n for n in range(1, scan_to + 1) if planner.infer(net, input_shape=[1, n, n]).ok]
    t_scan = time.perf_counter() - start
    assert valid == [n for n in range(1, scan_to + 1) if axis.contains(n)]
    # Brute force 2: the real framework on the meta device, sampled and extrapolated.
    t_torch = None
    try:
        import torch

        from planner.export import to_torch

        sizes = [n for n in range(1, scan_to + 1)][:: max(1, scan_to // torch_samples)]
        start = time.perf_counter()
        for n in sizes:
            try:
                data = net.to_data()
                data["input_shape"] = [1, n, n]
                candidate = network_from_data(data)
                module = to_torch(candidate, device="meta")
                module(torch.empty(1, 1, n, n, device="meta"))
            except Exception:  # the framework refusing is a verdict too
                pass
        t_torch = (time.perf_counter() - start) / len(sizes) * scan_to
    except ImportError:
        pass
    return {
        "problem": "valid inputs, 5-level U-Net",
        "answer": [p.text("H") for p in axis.progressions],
        "planner_s": t_planner,
        "brute_planner_s": t_scan,
        "brute_framework_s": t_torch,
        "brute_range": f"1..{scan_to}",
        "framework_note": f"torch meta device, {torch_samples} sizes timed, extrapolated",
    }


def broken_autoencoder() -> planner.Network:
    data = planner.load("keras-autoencoder").to_data()
    data["layers"][10]["padding"] = "same"
    data["input_shape"] = [{"unknown": "input", "min": 8, "max": 256}] * 2 + [1]
    data["layers"][10]["padding"] = {"unknown": "mode", "choices": ["valid", "same"], "ref": "same"}
    data["layers"].append(
        {"type": "cropping", "cropping": {"unknown": "crop", "min": 0, "max": 16}, "name": "crop"}
    )
    return network_from_data(data)


def bench_autoencoder(repeat: int) -> dict[str, Any]:
    net = broken_autoencoder()
    targets = ["output=28"]
    t_planner, result = median_time(lambda: solve(net, targets, limit=None), repeat)
    from planner.solver.problem import parse_target

    parsed = [parse_target(t, net) for t in targets]
    vars = collect_vars(net)
    names = list(vars)
    start = time.perf_counter()
    found = 0
    for values in itertools.product(*[vars[n].domain for n in names]):
        ok, _ = verify(net, dict(zip(names, values, strict=True)), parsed, False)
        found += ok
    t_brute = time.perf_counter() - start
    assert found == result.total
    return {
        "problem": "3-unknown autoencoder (input 8..256, conv mode, output crop 0..16)",
        "answer": f"{result.total} solutions, best {result.solutions[0].values}",
        "planner_s": t_planner,
        "brute_planner_s": t_brute,
        "brute_framework_s": None,
        "brute_range": f"{len(list(itertools.product(*[vars[n].domain for n in names])))} "
        "assignments",
    }


def deep_network(layers: int = 100, unknown: int = 20) -> planner.Network:
    items = []
    every = layers // unknown
    for i in range(layers):
        item: dict[str, Any] = {
            "type": "conv",
            "filters": 4,
            "kernel_size": 3,
            "name": f"c{i}",
            "padding": 1,
        }
        if i % every == 0:
            item["padding"] = {"unknown": f"p{i}", "min": 0, "max": 2}
        items.append(item)
    data = {"name": "deep", "framework": "torch", "input_shape": [4, 64, 64], "layers": items}
    return network_from_data(data)


def bench_deep(repeat: int) -> dict[str, Any]:
    net = deep_network()
    t_planner, result = median_time(lambda: solve(net, ["output=input"], limit=20), repeat)
    vars = collect_vars(net)
    count = 1
    for v in vars.values():
        count *= len(v.domain)
    sample = dict.fromkeys(vars, 1)
    t_one, _ = median_time(lambda: planner.infer(net, values=sample), max(repeat, 5))
    return {
        "problem": "20 unknown paddings (0..2) in a 100-layer network, output=input",
        "answer": f"{result.total:,} solutions, best {list(result.solutions[0].values.values())}",
        "planner_s": t_planner,
        "brute_planner_s": t_one * count,
        "brute_framework_s": None,
        "brute_range": f"3**20 = {count:,} assignments (one inference timed, multiplied)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scan", type=int, default=5000, help="brute-force sizes 1..N")
    parser.add_argument("--torch-samples", type=int, default=100)
    args = parser.parse_args()
    rows = [
        bench_inputs(args.repeat, args.scan, args.torch_samples),
        bench_autoencoder(args.repeat),
        bench_deep(args.repeat),
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{'problem':66} {'planner':>10} {'brute (planner)':>16} {'brute (framework)':>18}"
        f" {'speed-up':>9}"
    )
    for r in rows:
        fw = f"{r['brute_framework_s']:.2f} s" if r["brute_framework_s"] else "-"
        speed = r["brute_planner_s"] / r["planner_s"]
        print(
            f"{r['problem']:66} {r['planner_s'] * 1000:8.1f} ms {r['brute_planner_s']:14.2f} s"
            f" {fw:>18} {speed:8.0f}x"
        )
        print(f"    answer: {r['answer']}; brute force over {r['brute_range']}")


if __name__ == "__main__":
    main()
