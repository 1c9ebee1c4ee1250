"""Every search against its budget: elapsed time and peak memory, measured.

Each case of issue 6 (and the solver aims of issue 10) runs in a fresh Python process,
so that its peak resident memory (``ru_maxrss``) is its own; the table gives the
budget, the time taken (from the call to the answer: imports and loading the network,
which no budget covers, left out), the ratio to the budget, the peak memory of the
process and the answer.
A second table compares the closed forms with what the solver did before them (the
same question with the closed form switched off: a per-size search or a residue scan
over the full product of strides), and the U-Net with every padding unknown by depth.

    python benchmarks/bench_budgets.py            # every case
    python benchmarks/bench_budgets.py --quick    # smaller budgets for the slow ones
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# The time of the last question asked, from the call to its answer (loading the
# network, which no budget covers, is left out).
ASKED = [0.0]


def _timed(fn: Any, *args: Any, **kw: Any) -> Any:
    start = time.perf_counter()
    try:
        return fn(*args, **kw)
    finally:
        ASKED[0] = time.perf_counter() - start


def _solve(net: Any, targets: list[str], unknowns: list[str], **kw: Any) -> str:
    import planner

    r = _timed(planner.solve, net, targets, unknowns=unknowns, **kw)
    head = "complete" if r.complete else "incomplete"
    return f"{head}, {r.total:,} solutions" + (f"; {r.reason[:60]}" if r.reason else "")


def _inputs(net: Any, **kw: Any) -> str:
    import planner

    r = _timed(planner.valid_inputs, net, **kw)
    texts = [p.text(n) for n, a in r.axes.items() for p in a.progressions[:1]]
    return ("complete: " if r.complete else "incomplete: ") + "; ".join(texts)[:70]


def _fixes(net: Any, *args: Any, **kw: Any) -> str:
    import planner

    r = _timed(planner.fixes, net, *args, **kw)
    return ("complete: " if r.complete else "incomplete: ") + f"{len(r.fixes)} fixes"


def case(name: str, seconds: float) -> str:
    """Run one case; returns a one-line answer."""
    import planner
    from tests import solver_networks as nets

    unet = planner.load("unet-original")
    if name == "solve input=1..10**9, output=388":
        return _solve(unet, ["output=388"], ["input=1..10**9"], time_budget=seconds)
    if name == "solve input=1..10**18, output>=388":
        return _solve(unet, ["output>=388"], ["input=1..10**18"], time_budget=seconds)
    if name == "solve crop6.cropping=0..100000000":
        try:
            return _solve(unet, [], ["crop6.cropping=0..100000000"], time_budget=seconds)
        except planner.PlannerError as exc:
            return "refused: " + exc.message[:60]
    if name == "inputs SampleCNN (10 stride-3 stages)":
        return _inputs(planner.load(nets.samplecnn()), time_budget=seconds)
    if name == "inputs SampleCNN --exact":
        return _inputs(planner.load(nets.samplecnn()), exact=True, time_budget=seconds)
    if name == "solve SampleCNN input=1..10**9, output=3":
        return _solve(
            planner.load(nets.samplecnn()), ["output=3"], ["input=1..10**9"], time_budget=seconds
        )
    if name == "solve 30 unknown paddings, output=40, -n 1":
        return _solve(
            planner.load(nets.padded_chain(30)), ["output=40"], [], limit=1, time_budget=seconds
        )
    if name == "inputs 60 layers, 20 concatenations":
        return _inputs(planner.load(nets.concat_net()), time_budget=seconds)
    if name == "solve 60 layers, 20 concatenations":
        net = planner.load(nets.concat_net())
        return _solve(net, ["output=64"], ["input=1..10**6"], time_budget=seconds)
    if name == "fix 60 layers, 20 concatenations":
        net = planner.load(nets.concat_net()).model_copy(update={"input_shape": [63, 63, 3]})
        return _fixes(net, time_budget=seconds)
    if name == "solve 100 plain convs, input=1..4096":
        return _solve(planner.load(nets.plain_convs()), [], ["input=1..4096"], time_budget=seconds)
    if name == "solve 40 unknown paddings, output=40, --all":
        return _solve(
            planner.load(nets.padded_chain(40)), ["output=40"], [], limit=None, time_budget=seconds
        )
    if name == "solve 8-level U-Net, every padding unknown":
        net = planner.load(nets.unet_unknown_paddings(8, 1024))
        return _solve(net, ["output=input"], [], time_budget=seconds)
    if name == "solve 2-level U-Net, input=64..1024 and every padding":
        net = planner.load(nets.unet_unknown_paddings(2, 64))
        return _solve(net, ["output=input"], ["input=64..1024"], time_budget=seconds)
    if name == "solve 30 paddings, unreachable target (explained)":
        return _solve(planner.load(nets.padded_chain(30)), ["output=2"], [], time_budget=seconds)
    if name == "fix unet-original at input 500":
        net = unet.model_copy(update={"input_shape": [1, 500, 500]})
        return _fixes(net, ["output=388"], time_budget=seconds)
    raise SystemExit(f"unknown case {name}")


CASES = [
    ("solve input=1..10**9, output=388", 10.0),
    ("solve input=1..10**18, output>=388", 10.0),
    ("solve crop6.cropping=0..100000000", 10.0),
    ("inputs SampleCNN (10 stride-3 stages)", 10.0),
    ("inputs SampleCNN --exact", 5.0),
    ("solve SampleCNN input=1..10**9, output=3", 10.0),
    ("solve 30 unknown paddings, output=40, -n 1", 5.0),
    ("solve 30 unknown paddings, output=40, -n 1", 30.0),
    ("inputs 60 layers, 20 concatenations", 10.0),
    ("solve 60 layers, 20 concatenations", 10.0),
    ("fix 60 layers, 20 concatenations", 10.0),
    ("solve 100 plain convs, input=1..4096", 10.0),
    # Cases that run into their budget: how far past it each answer comes back.
    ("solve 30 unknown paddings, output=40, -n 1", 0.5),
    ("solve 30 unknown paddings, output=40, -n 1", 2.0),
    ("solve 40 unknown paddings, output=40, --all", 3.0),
    ("solve 8-level U-Net, every padding unknown", 0.3),
    ("solve 8-level U-Net, every padding unknown", 1.0),
    ("solve 2-level U-Net, input=64..1024 and every padding", 2.0),
    ("solve 30 paddings, unreachable target (explained)", 2.0),
    ("inputs SampleCNN --exact", 1.0),
    ("fix unet-original at input 500", 1.0),
]


def before_after(seconds: float) -> list[tuple[str, str, str]]:
    """The closed forms against the solver without them (switched off in-process)."""
    import planner
    import planner.solver.inputs as inputs

    # ``planner.solver.solve`` is also the function's name: take the module itself.
    solving = sys.modules["planner.solver.solve"]
    from tests import solver_networks as nets

    rows = []

    def timed(fn: Any) -> tuple[float, Any]:
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value

    plain = planner.load(nets.plain_convs())
    planner.solve(plain, [], unknowns=["input=1..4096"])  # warm caches for both
    after, _ = timed(lambda: planner.solve(plain, [], unknowns=["input=1..4096"]))
    original = solving.input_var
    solving.input_var = lambda net, vars: None  # type: ignore[assignment]
    try:
        before, r = timed(
            lambda: planner.solve(plain, [], unknowns=["input=1..4096"], time_budget=seconds)
        )
    finally:
        solving.input_var = original  # type: ignore[assignment]
    state = "" if r.complete else " (stopped by the budget)"
    rows.append(("100 plain convs, input=1..4096", f"{before:.2f} s{state}", f"{after:.3f} s"))

    sample = planner.load(nets.samplecnn())
    after, _ = timed(lambda: planner.valid_inputs(sample))
    monotone = inputs._monotone_chain
    inputs._monotone_chain = lambda net: False  # type: ignore[assignment]
    try:
        before, r = timed(lambda: planner.valid_inputs(sample, time_budget=seconds))
    finally:
        inputs._monotone_chain = monotone  # type: ignore[assignment]
    state = "" if r.complete else " (stopped by the budget)"
    rows.append(("inputs SampleCNN", f"{before:.2f} s{state}", f"{after:.3f} s"))

    concat = planner.load(nets.concat_net())
    after, _ = timed(lambda: planner.valid_inputs(concat))
    factor = inputs._smallest_factor
    inputs._smallest_factor = lambda n: n  # type: ignore[assignment]  # split to the full period
    try:
        before, r = timed(lambda: planner.valid_inputs(concat, time_budget=seconds))
    finally:
        inputs._smallest_factor = factor  # type: ignore[assignment]
    state = "" if r.complete else " (stopped by the budget)"
    rows.append(("inputs 60 layers, 20 concats", f"{before:.2f} s{state}", f"{after:.3f} s"))
    return rows


def unet_growth(
    levels: int, mirrored: bool, walk_budget: float, walk_levels: int
) -> list[dict[str, Any]]:
    """The U-Net with every padding unknown (0..2), ``output=input``, by depth: the
    search as it is (variable elimination) and as it was (the walk in layer order,
    switched on in-process, stopped after ``walk_budget`` seconds, up to
    ``walk_levels``), each timed once with the states (walk) or table rows
    (elimination) it kept."""
    import planner
    from planner.solver import search as searching
    from planner.solver.problem import parse_target
    from tests import solver_networks as nets

    out = []
    for level in range(1, levels + 1):
        data = nets.unet_unknown_paddings(level, 2**level * 4)
        if mirrored:
            data = nets.mirror_paddings(data)
        net = planner.load(data)
        targets = [parse_target("output=input", net)]
        row: dict[str, Any] = {"levels": level, "unknowns": len(net.unknowns())}
        for engine in ("walk", "elimination"):
            if engine == "walk" and level > walk_levels:
                row[engine] = None
                continue
            original = searching._eliminate
            if engine == "walk":
                searching._eliminate = lambda *args: None  # type: ignore[assignment]
            try:
                start = time.perf_counter()
                budget = walk_budget if engine == "walk" else 120
                r = searching.search(net, targets, limit=3, time_budget=budget)
                row[engine] = (time.perf_counter() - start, r.states, r.total, r.complete)
            finally:
                searching._eliminate = original  # type: ignore[assignment]
        out.append(row)
    return out


def print_growth(levels: int, mirrored: bool, walk_budget: float, walk_levels: int) -> None:
    print(
        f"{'levels':>6} {'unknowns':>8} {'walk s':>8} {'x':>5} {'states':>9} "
        f"{'elim s':>8} {'x':>5} {'rows':>9} {'x':>5}  solutions"
    )
    previous: dict[str, Any] | None = None
    for row in unet_growth(levels, mirrored, walk_budget, walk_levels):
        walk, elim = row["walk"], row["elimination"]
        if walk and walk[3] and elim[3]:
            assert walk[2] == elim[2], "the two searches disagree on the count"

        def ratio(engine: str, i: int, now: Any = row, before: Any = previous) -> str:
            if not before or not before[engine] or not now[engine]:
                return "    -"
            return f"{now[engine][i] / before[engine][i]:4.1f}x"

        note = " (the walk stopped by its budget)" if walk and not walk[3] else ""
        walk_text = f"{walk[0]:8.2f} {ratio('walk', 0)} {walk[1]:9,}" if walk else f"{'-':>24}"
        print(
            f"{row['levels']:6} {row['unknowns']:8} {walk_text} {elim[0]:8.2f} "
            f"{ratio('elimination', 0)} {elim[1]:9,} {ratio('elimination', 1)}  {elim[2]:,}{note}"
        )
        previous = row


def main() -> None:
    if "--case" in sys.argv:
        name = sys.argv[sys.argv.index("--case") + 1]
        seconds = float(sys.argv[sys.argv.index("--seconds") + 1])
        # Imports (sympy is most of them) are not part of a question's budget.
        import planner.fixes
        import planner.solver  # noqa: F401

        answer = case(name, seconds)
        elapsed = ASKED[0]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"elapsed": elapsed, "peak_mb": peak, "answer": answer}))
        return
    quick = "--quick" in sys.argv
    print(f"{'case':54} {'budget':>7} {'elapsed':>8} {'ratio':>6} {'peak MB':>8}  answer")
    for name, seconds in CASES:
        if quick:
            seconds = min(seconds, 5.0)
        proc = subprocess.run(
            [sys.executable, __file__, "--case", name, "--seconds", str(seconds)],
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        ratio = data["elapsed"] / seconds
        print(
            f"{name:54} {seconds:6.1f}s {data['elapsed']:7.2f}s {ratio:6.2f} "
            f"{data['peak_mb']:8.0f}  {data['answer']}"
        )
    print()
    print("Closed forms: before (switched off) and after")
    print(f"{'question':35} {'before':>28} {'after':>10}")
    for question, before, after in before_after(5.0 if quick else 10.0):
        print(f"{question:35} {before:>28} {after:>10}")
    print()
    depth, walked = (4, 4) if quick else (10, 6)
    print("U-Net with every padding unknown (0..2), output=input: by depth")
    print_growth(depth, mirrored=False, walk_budget=120.0, walk_levels=walked)
    print()
    print("The same, each decoder convolution tied to the encoder one at its level")
    print_growth(depth, mirrored=True, walk_budget=30.0, walk_levels=walked)


if __name__ == "__main__":
    main()
