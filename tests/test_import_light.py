"""``import planner`` must not import heavy frameworks or the shells' libraries."""

from __future__ import annotations

import subprocess
import sys


def test_import_planner_stays_light():
    code = (
        "import sys, planner\n"
        "net = planner.load('unet-original'); planner.infer(net)\n"
        "heavy = [m for m in ('torch', 'keras', 'jax', 'flax', 'onnx', 'onnxruntime', "
        "'textual', 'typer') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
