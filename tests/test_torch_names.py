"""PyTorch networks are named the PyTorch way: an unnamed layer is called by its
position, as ``nn.Sequential`` names its children; the names work in ``-u``/``-t``."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import planner
from planner.cli import app
from planner.export import to_torch
from planner.importers.torch_module import import_torch

# planner layer (YAML) -> the same layer built in PyTorch, on 2 channels
LAYERS = {
    "conv": ({"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
             lambda: nn.Conv2d(2, 2, 3, padding=1)),
    "pool": ({"type": "MaxPool2d", "kernel_size": 2}, lambda: nn.MaxPool2d(2)),
    "relu": ({"type": "ReLU"}, nn.ReLU),
    "norm": ({"type": "BatchNorm2d"}, lambda: nn.BatchNorm2d(2)),
    "up": ({"type": "Upsample", "scale_factor": 2}, lambda: nn.Upsample(scale_factor=2)),
}  # fmt: skip


def torch_net(kinds: list[str], names: dict[int, str] | None = None) -> planner.Network:
    layers = []
    for i, kind in enumerate(kinds):
        item = dict(LAYERS[kind][0])
        if names and i in names:
            item["name"] = names[i]
        layers.append(item)
    return planner.Network.model_validate(
        {"framework": "pytorch", "input_shape": [2, 64, 64], "layers": layers}
    )


@settings(max_examples=15, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(LAYERS)), min_size=1, max_size=6))
def test_default_names_are_nn_sequential_child_names(kinds: list[str]) -> None:
    net = torch_net(kinds)
    sequential = nn.Sequential(*(LAYERS[k][1]() for k in kinds))
    children = [name for name, _ in sequential.named_children()]
    assert net.layer_names == children
    # planner's exporter keeps the names: its modules are reached by them
    module = to_torch(net, device="meta")
    assert [name for name, _ in module.blocks.named_children()] == children
    # and importing the PyTorch model gives the same names
    imported = import_torch(sequential, [2, 64, 64])
    assert [item["name"] for item in imported.data["layers"]] == children


def test_given_names_never_change_and_positions_count_every_layer() -> None:
    net = torch_net(["conv", "relu", "pool", "conv"], names={1: "act", 3: "2"})
    # "2" is taken by the last layer's given name: the pool at position 2 gets 2_1
    assert net.layer_names == ["0", "act", "2_1", "2"]


def test_other_frameworks_keep_keras_names() -> None:
    net = planner.loads(
        "input_shape: [16, 16, 2]\nlayers: [{type: Conv2D, filters: 2, kernel_size: 3}]"
    )
    assert net.layer_names == ["conv2d"]


def run(*args: str) -> Any:
    """The CLI, in process (``.returncode`` as a subprocess would give it)."""
    result = CliRunner().invoke(app, list(args))
    return SimpleNamespace(returncode=result.exit_code, stdout=result.output, stderr=result.output)


def test_position_names_in_unknowns_and_targets() -> None:
    """dcgan-generator's last ConvTranspose2d is layer 12: `-u 12.padding` finds the
    padding PyTorch's tutorial uses, and `-t 12.H=64` / `-t 12=64` read 12 as a layer."""
    for target in ("output=64", "12.H=64", "12=64"):
        out = run("solve", "dcgan-generator", "-u", "12.padding=0..4", "-t", target, "--json")
        assert out.returncode == 0, out.stderr
        values = [s["values"] for s in json.loads(out.stdout)["solutions"]]
        assert values == [{"12.padding": 1}]
    net = planner.load("dcgan-generator")
    assert type(net.layer("12")).__name__ == "ConvTranspose"


def test_module_path_names_in_unknowns_and_targets(tmp_path: Path) -> None:
    """Names with dots (``features.0``) and numbers: on the right of a target a number
    is a size even where a layer has that name."""
    path = tmp_path / "net.yaml"
    path.write_text(
        "framework: torch\ninput_shape: [1, 12, 12]\nlayers:\n"
        "  - {type: Conv2d, out_channels: 1, kernel_size: 3, padding: 0, name: features.0}\n"
        "  - {type: ReLU, name: '10'}\n"
        "  - {type: Conv2d, out_channels: 1, kernel_size: 3, padding: 0, name: features.2}\n"
    )

    def solutions(target: str) -> list[dict]:
        out = run("solve", str(path), "-u", "features.0.padding=0..3", "-t", target, "--json")
        assert out.returncode == 0, out.stderr
        return [s["values"] for s in json.loads(out.stdout)["solutions"]]

    # 12 -> 12 + 2p - 2 -> 12 + 2p - 4: features.2 is 10 wide with p = 1 (read as the
    # layer '10', it could never be: it is always 2 smaller)
    assert solutions("features.2=10") == [{"features.0.padding": 1}]
    assert solutions("10=10") == [{"features.0.padding": 0}]
    assert solutions("features.2.H=features.0") == []  # names on the right still work


def test_non_ascii_names_in_unknowns(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(
        "framework: torch\ninput_shape: [1, 12, 12]\nlayers:\n"
        "  - {type: Conv2d, out_channels: 1, kernel_size: 3, padding: 0, name: слой}\n"
    )
    out = run("solve", str(path), "-u", "слой.padding=0..3", "-t", "output=12", "--json")
    assert out.returncode == 0, out.stderr
    assert [s["values"] for s in json.loads(out.stdout)["solutions"]] == [{"слой.padding": 1}]


@pytest.mark.parametrize("spec", ["3.padding", "features.0.padding"])
def test_fixes_name_dotted_and_numbered_layers(spec: str) -> None:
    net = planner.loads(
        "framework: torch\ninput_shape: [1, 12, 12]\nlayers:\n"
        "  - {type: Conv2d, out_channels: 1, kernel_size: 3, padding: 0, name: features.0}\n"
        "  - {type: ReLU}\n  - {type: ReLU}\n"
        "  - {type: Conv2d, out_channels: 1, kernel_size: 3, padding: 0}\n"
    )
    assert net.layer_names == ["features.0", "1", "2", "3"]
    fixes = planner.fixes(net, ["output=12"])
    layer = spec.rsplit(".", 1)[0]
    assert any(
        e.get("layer") == layer and e.get("field") == "padding"
        for f in fixes.fixes
        for e in f.edits
    ), [f.summary for f in fixes.fixes]
    assert any(f.summary == f"set {spec} to 2 (was 0)" for f in fixes.fixes)


MODULE_CODE = """\
from collections import OrderedDict
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.ReLU(),
            nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 8, 3)),
        )
        self.head = nn.Sequential(OrderedDict([("conv", nn.Conv2d(8, 2, 1)), ("act", nn.ReLU())]))
"""


def test_code_import_names_layers_by_their_pytorch_module_paths() -> None:
    """``planner import`` of PyTorch code (read, not run) names each layer by the path
    PyTorch gives the module (``named_modules``) of the same code, run."""
    from planner.importers.code_text import import_code

    namespace: dict = {}
    exec(MODULE_CODE, namespace)  # the same code, run by PyTorch
    model = namespace["Net"]()
    leaves = [name for name, m in model.named_modules() if not list(m.children())]
    result = import_code(MODULE_CODE, "net.py", [3, 16, 16])
    assert result.complete, result.problems
    assert result.network.layer_names == leaves
