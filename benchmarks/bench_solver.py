"""Benchmark the reverse solver against brute force (a script, not a test).

Three problems, each timed for planner and for brute force:

1. valid input sizes of a 5-level U-Net (valid 3x3 convs, cropped skips):
   planner's closed form vs forward inference of every size 1..N (planner's own
   arithmetic) and vs the real framework: the PyTorch module, built once, run on the
   ``meta`` device on a sample of sizes half valid and half not (each verdict checked
   against planner's), the time per valid and per invalid size extrapolated to 1..N;
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
    # Brute force 2: the real framework. The module does not depend on the input size,
    # so it is built once (at the network's own, valid, size) and run on the meta
    # device on a sample of sizes that holds valid and invalid ones in equal numbers;
    # PyTorch's verdict on each must be planner's. The time per size, for valid and
    # for invalid sizes separately, is extrapolated to every size in 1..N.
    framework = None
    try:
        import torch

        from planner.export import to_torch
    except ImportError:
        torch = None
    if torch is not None:
        framework = framework_scan(net, valid, scan_to, torch_samples, torch, to_torch)
    return {
        "problem": "valid inputs, 5-level U-Net",
        "answer": [p.text("H") for p in axis.progressions],
        "planner_s": t_planner,
        "brute_planner_s": t_scan,
        "brute_framework_s": framework["seconds"] if framework else None,
        "brute_range": f"1..{scan_to}",
        "framework_note": framework["note"] if framework else "PyTorch not installed",
    }


def framework_scan(
    net: planner.Network, valid: list[int], scan_to: int, samples: int, torch: Any, to_torch: Any
) -> dict[str, Any]:
    """Time PyTorch (meta device) deciding sizes of ``net``: half the sample valid, half
    not; check each verdict against planner's; extrapolate to every size in 1..N."""
    module = to_torch(net, device="meta")
    channels = net.input_shape[0]
    valid_set = set(valid)
    invalid = [n for n in range(1, scan_to + 1) if n not in valid_set]
    half = max(1, samples // 2)
    picked = {
        True: valid[:: max(1, len(valid) // half)][:half],
        False: invalid[:: max(1, len(invalid) // half)][:half],
    }
    times: dict[bool, list[float]] = {True: [], False: []}
    with torch.no_grad():
        module(torch.empty(1, channels, *net.input_shape[1:], device="meta"))  # warm-up
        for expected, sizes in picked.items():
            for n in sizes:
                start = time.perf_counter()
                try:
                    module(torch.empty(1, channels, n, n, device="meta"))
                    ran = True
                except (RuntimeError, ValueError):  # the framework refuses the size
                    ran = False
                times[expected].append(time.perf_counter() - start)
                if ran != expected:
                    raise SystemExit(
                        f"size {n}: PyTorch {'ran' if ran else 'refused'}, planner says "
                        f"{'valid' if expected else 'invalid'}"
                    )
    per_valid = statistics.median(times[True])
    per_invalid = statistics.median(times[False])
    seconds = per_valid * len(valid) + per_invalid * len(invalid)
    return {
        "seconds": seconds,
        "note": (
            f"PyTorch meta device ran {len(times[True])} valid sizes "
            f"(median {per_valid * 1000:.2f} ms each) and refused {len(times[False])} "
            f"invalid ones (median {per_invalid * 1000:.2f} ms each), every verdict planner's; extrapolated to "
            f"the {len(valid)} valid and {len(invalid)} invalid sizes in 1..{scan_to}"
        ),
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
        f" {'x planner':>10} {'x framework':>12}"
    )
    for r in rows:
        fw = f"{r['brute_framework_s']:.2f} s" if r["brute_framework_s"] else "-"
        speed = r["brute_planner_s"] / r["planner_s"]
        fw_speed = (
            f"{r['brute_framework_s'] / r['planner_s']:11.0f}x" if r["brute_framework_s"] else "-"
        )
        print(
            f"{r['problem']:66} {r['planner_s'] * 1000:8.1f} ms {r['brute_planner_s']:14.2f} s"
            f" {fw:>18} {speed:9.0f}x {fw_speed:>12}"
        )
        print(f"    answer: {r['answer']}; brute force over {r['brute_range']}")
        if r.get("framework_note"):
            print(f"    framework: {r['framework_note']}")


if __name__ == "__main__":
    main()
