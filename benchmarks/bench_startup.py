"""How long the ``planner`` command takes from process start to its output.

Each command runs in a fresh Python process (``python -m planner ...``, what the
``planner`` console script does), in rounds that alternate the commands so that a
change in the machine's load hits all of them alike. Each figure is a median over
the rounds, of:

- wall: the elapsed time from starting the process to its exit (output written);
- cpu: the user + system CPU time of that process (what the wall time would be on
  an idle core; on a shared, loaded machine the wall time is larger).

``planner show unet-original (terminal)`` is the same command with a pseudo-terminal
as its standard output (the benchmark reads all it writes), as a user meets it: rich's
rules then call for colour. Every other command writes to ``/dev/null``.

``python -c pass`` is measured the same way: the interpreter's own start, which every
command includes. Bytecode caches are written by an untimed first round (as for an
installed package), whatever ``PYTHONDONTWRITEBYTECODE`` says.

Besides the commands, ``show`` of a generated 10,000-layer network (a YAML file
written to a temporary folder) is measured as a table and as ``--json``.

With ``--instructions`` (needs valgrind), each command also runs once under
callgrind, which counts the instructions the process executes: a figure that the
machine's load does not change, to compare two trees on a shared machine. On the
project machine, one million instructions took about 0.33 ms of an idle core.

With ``--base DIR`` every command also runs from another checkout (for example
``git worktree add /tmp/base main``), alternating with this one in every round, so
that the two trees meet the same load: a before/after comparison.

Run: ``python benchmarks/bench_startup.py [--rounds N] [--large-rounds N] [--json]
[--no-large] [--instructions] [--base DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pty
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from generated import generated_text

ROOT = Path(__file__).resolve().parent.parent


def large_network(path: Path, layers: int = 10_000) -> Path:
    """The generated network of ``layers`` layers (``generated.py``) written to ``path``."""
    path.write_text(generated_text(layers), encoding="utf-8")
    return path


# Commands run with a pseudo-terminal as their standard output (as in a terminal,
# where ``show`` writes colour), not a pipe.
TERMINAL = " (terminal)"


def run_once(
    argv: list[str], env: dict[str, str], terminal: bool = False, cwd: Path = ROOT
) -> tuple[float, float, int]:
    """Wall and CPU seconds of one process, and its exit status; its standard output
    is discarded, or with ``terminal`` a pseudo-terminal that this process drains."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if terminal:
        status = _run_on_terminal(argv, env, cwd)
    else:
        proc = subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd
        )
        status = proc.returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, status


def _run_on_terminal(argv: list[str], env: dict[str, str], cwd: Path) -> int:
    """Run ``argv`` with a new pseudo-terminal as its standard output, reading all it
    writes until it closes the terminal; its exit status."""
    parent, child = pty.openpty()
    proc = subprocess.Popen(argv, stdout=child, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    os.close(child)
    try:
        while True:
            try:
                if not os.read(parent, 1 << 16):
                    break
            except OSError:  # EIO: the child closed the terminal
                break
    finally:
        os.close(parent)
    return proc.wait()


def instructions(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """Millions of instructions the process executes (valgrind's callgrind)."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    )
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if match is None:
        raise SystemExit(f"no instruction count from valgrind for {argv}")
    return int(match.group(1)) / 1e6


def _env(root: Path) -> dict[str, str]:
    """The environment of a command run from the checkout ``root``."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env.setdefault("COLUMNS", "120")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-large", action="store_true", help="skip the 10,000-layer network")
    parser.add_argument(
        "--large-rounds", type=int, default=3, help="timed rounds of the 10,000-layer network"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each command's instructions once (valgrind; load-independent)",
    )
    parser.add_argument(
        "--base",
        type=Path,
        help="also run every command from this checkout (e.g. a worktree of main), "
        "interleaved with this one; its rows are marked [base]",
    )
    args = parser.parse_args(argv)

    # Each tree runs from its own folder: ``python -m`` and ``-c`` put the current
    # folder first on the module path.
    trees = {"": ROOT}
    if args.base is not None:
        trees[" [base]"] = args.base.resolve()
    py = sys.executable
    commands: dict[str, list[str]] = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import planner'": [py, "-c", "import planner"],
        "planner --help": [py, "-m", "planner", "--help"],
        "planner presets": [py, "-m", "planner", "presets"],
        "planner show unet-original": [py, "-m", "planner", "show", "unet-original"],
        "planner show unet-original --json": [py, "-m", "planner", "show", "unet-original", "--json"],
        "planner show unet-original" + TERMINAL: [py, "-m", "planner", "show", "unet-original"],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_large:
            big = str(large_network(Path(tmp) / "generated-10000.yaml"))
            commands["planner show generated-10000"] = [py, "-m", "planner", "show", big]
            commands["planner show generated-10000 --json"] = [py, "-m", "planner", "show", big, "--json"]  # fmt: skip
        runs = {
            label + tree: (cmd, _env(root), label.endswith(TERMINAL), root)
            for label, cmd in commands.items()
            for tree, root in trees.items()
        }
        # Untimed: writes the bytecode caches, checks that every command exits 0.
        for label, (cmd, env, terminal, root) in runs.items():
            _, _, status = run_once(cmd, env, terminal, root)
            if status != 0:
                raise SystemExit(f"{label} exited with {status}")
        walls: dict[str, list[float]] = {k: [] for k in runs}
        cpus: dict[str, list[float]] = {k: [] for k in runs}
        for i in range(args.rounds):
            for label, (cmd, env, terminal, root) in runs.items():
                if "10000" in label and i >= args.large_rounds:
                    continue
                wall, cpu, _ = run_once(cmd, env, terminal, root)
                walls[label].append(wall)
                cpus[label].append(cpu)
        counts = {
            label: round(instructions(cmd, env, root))
            for label, (cmd, env, terminal, root) in runs.items()
            if args.instructions and "10000" not in label and not terminal
        }
    rows = [
        {
            "command": label,
            "wall_ms": round(statistics.median(walls[label]) * 1000, 1),
            "cpu_ms": round(statistics.median(cpus[label]) * 1000, 1),
            "wall_min_ms": round(min(walls[label]) * 1000, 1),
            **({"instructions_m": counts.get(label)} if args.instructions else {}),
        }
        for label in runs
    ]
    env_info = {
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "rounds": args.rounds,
        "large_rounds": 0 if args.no_large else min(args.large_rounds, args.rounds),
    }
    if args.json:
        print(json.dumps({"environment": env_info, "results": rows}, indent=2))
        return 0
    load = ", ".join(f"{x:.1f}" for x in env_info["load_average"])
    print(
        f"{env_info['date']}, Python {env_info['python']}, {env_info['cpus']} CPUs, "
        f"load average {load} (after the run), {args.rounds} rounds "
        f"({env_info['large_rounds']} for the 10,000-layer network), medians"
    )
    width = max(len(r["command"]) for r in rows)
    extra = " M instructions |" if args.instructions else ""
    print(f"| {'command'.ljust(width)} | wall ms | cpu ms | wall min ms |{extra}")
    print(
        f"|:{'-' * (width + 1)}|--------:|-------:|------------:|" + ("-" * 15 + ":|") * bool(extra)
    )
    for r in rows:
        count = r.get("instructions_m")
        more = (f" {count:14.0f} |" if count is not None else f" {'-':>14} |") if extra else ""
        print(
            f"| {r['command'].ljust(width)} | {r['wall_ms']:7.0f} | {r['cpu_ms']:6.0f} "
            f"| {r['wall_min_ms']:11.0f} |{more}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
