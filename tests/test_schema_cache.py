"""The network validator's core schema kept between runs (planner.spec.schema_cache):
a later process gets the very schema a fresh build gives, and validates alike; a
damaged file or PYTHONDONTWRITEBYTECODE falls back to building it. Each run is a
fresh process with its own bytecode folder (``-X pycache_prefix``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a process reports: whether the schema came from the cache, the schema itself
# (pydantic's references carry the id of their class, and functions their address:
# both differ between processes), the JSON Schema, and what validation gives.
PROBE = r"""
import json, re
import planner
from planner.spec import schema_cache
from planner.spec.network import Network
from planner.spec.schema import network_schema

def stable(text):
    return re.sub(r":\d+'|at 0x[0-9a-f]+", "", text)

results = []
for name in planner.preset_names():
    results.append(planner.infer(planner.load(name)).to_dict()["output_shape"])
for bad in ({"input_shape": [8, 8, 1], "layers": [{"type": "conv", "filters": 2, "kernal_size": 3}]},
            {"input_shape": [8, 8, 1], "layers": [{"type": "conv", "filters": 2, "kernel_size": "?p"}]}):
    try:
        results.append(repr(planner.load(bad).layers[0]))
    except planner.PlannerError as exc:
        results.append(str(exc))
print(json.dumps({
    "loaded": "Network" in schema_cache._loaded,
    "schema": stable(repr(Network.__pydantic_core_schema__)),
    "json_schema": network_schema(),
    "results": results,
}))
"""


def _run(prefix: Path, write: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-X", f"pycache_prefix={prefix}", "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return json.loads(proc.stdout)


def _cache_files(prefix: Path) -> list[Path]:
    return sorted(prefix.rglob("network.schema-*.pickle"))


def test_a_later_run_uses_the_cached_schema_and_validates_alike(tmp_path):
    first = _run(tmp_path)
    assert not first["loaded"]
    assert len(_cache_files(tmp_path)) == 1
    second = _run(tmp_path)
    assert second["loaded"]
    assert second == {**first, "loaded": True}
    assert "did you mean 'kernel_size'" in second["results"][-2]
    assert "Unknown(name='p'" in second["results"][-1]


def test_no_cache_is_written_without_bytecode_and_a_damaged_one_is_rebuilt(tmp_path):
    built = _run(tmp_path / "a", write=False)
    assert not built["loaded"] and _cache_files(tmp_path / "a") == []

    _run(tmp_path / "b")
    (cache,) = _cache_files(tmp_path / "b")
    cache.write_bytes(b"not a pickle")
    damaged = _run(tmp_path / "b")
    assert not damaged["loaded"]
    assert damaged == built
    assert _run(tmp_path / "b")["loaded"]  # the damaged file was replaced by a good one
