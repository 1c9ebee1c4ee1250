"""Model code read as text with ``ast`` (never run by the importer): the shapes equal
building the same code in the framework (which the test runs, as the oracle)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import keras
import pytest
import torch
from click.testing import CliRunner

import planner
from planner.cli import app
from planner.errors import SpecError
from planner.importers import import_model
from planner.importers.code_text import import_code

SNIPPETS = Path(__file__).parent / "snippets"
# The blog autoencoder as the docs show it (docs/interop.md imports the same file).
BLOG_AUTOENCODER = Path(__file__).parent.parent / "docs" / "examples" / "keras_blog_autoencoder.py"


def run_snippet(path: Path) -> dict[str, Any]:
    """Execute a snippet as its author would (the oracle side only)."""
    scope: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(path.read_text(), path.name, "exec"), scope)
    return scope


def test_keras_blog_autoencoder_is_the_preset() -> None:
    result = import_model(str(BLOG_AUTOENCODER))
    assert result.complete
    net, preset = result.network, planner.load("keras-autoencoder")
    assert net.layer_names == preset.layer_names  # conv2d ... encoded ... decoded
    a, b = planner.infer(net), planner.infer(preset)
    assert [(r.output_shape, r.params) for r in a.layers] == [
        (r.output_shape, r.params) for r in b.layers
    ]
    model = run_snippet(BLOG_AUTOENCODER)["autoencoder"]
    assert a.total_params == model.count_params()
    assert a.output_shape == tuple(model.output.shape[1:])


def test_keras_functional_unet_matches_keras() -> None:
    result = import_model(str(SNIPPETS / "keras_unet.py"))
    assert result.complete, result.problems
    plan = planner.infer(result.network)
    assert plan.ok
    keras.backend.clear_session()
    model = run_snippet(SNIPPETS / "keras_unet.py")["unet"]()
    want = Counter(
        (type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
        if type(layer).__name__ != "InputLayer"
    )
    kinds = {"conv": "Conv2D", "max_pool": "MaxPooling2D", "dropout": "Dropout",
             "upsample": "UpSampling2D", "concatenate": "Concatenate"}  # fmt: skip
    got = Counter(
        (kinds[layer.type], plan[layer.name].output_shape, plan[layer.name].params or 0)
        for layer in result.network.layers
    )
    assert got == want
    assert plan.output_shape == tuple(model.output.shape[1:])


def torch_shapes(model: torch.nn.Module, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    seen: list[tuple[int, ...]] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, o: seen.append(tuple(o.shape[1:])))
        for m in model.children()
    ]
    with torch.no_grad():
        model(torch.randn(1, *shape))
    for h in hooks:
        h.remove()
    return seen


def test_torch_sequential_matches_torch() -> None:
    result = import_model(str(SNIPPETS / "torch_sequential.py"), [3, 64, 64])
    assert result.complete, result.problems
    plan = planner.infer(result.network)
    model = run_snippet(SNIPPETS / "torch_sequential.py")["model"].eval()
    assert [r.output_shape for r in plan.layers] == torch_shapes(model, (3, 64, 64))
    params = [sum(p.numel() for p in m.parameters()) for m in model.children()]
    assert [r.params or 0 for r in plan.layers] == params


def test_torch_module_init_chain_matches_forward() -> None:
    result = import_model(str(SNIPPETS / "torch_module.py"), [1, 28, 28])
    assert result.complete
    assert any("forward() is not read" in n for n in result.notes)
    net = result.network
    assert net.layer_names == ["conv1", "conv2", "pool", "dropout1", "flatten", "fc1", "fc2"]
    plan = planner.infer(net)
    model = run_snippet(SNIPPETS / "torch_module.py")["Net"]()
    with torch.no_grad():
        y = model(torch.randn(1, 1, 28, 28))
    assert plan.output_shape == tuple(y.shape[1:])
    assert plan.total_params == sum(p.numel() for p in model.parameters())


def test_torch_without_input_uses_symbols() -> None:
    result = import_model(str(SNIPPETS / "torch_sequential.py"))
    assert result.data["input_shape"] == [3, "H", "W"]


def test_unsupported_call_is_named_with_its_line() -> None:
    code = "from torch import nn\nnet = nn.Sequential(\n    nn.Conv2d(3, 8, 3),\n    nn.LSTM(8, 8),\n    nn.ReLU(),\n)\n"
    result = import_code(code, "<snippet>", [3, 16, 16])
    assert [str(p) for p in result.problems] == [
        "line 4: nn.LSTM (LSTM): planner has no layer for this call"
    ]
    assert result.network.layer_names == ["0"]  # everything before it, named as PyTorch does


def test_value_that_needs_running_is_named() -> None:
    code = "import keras\nx = keras.Input(shape=(32, 32, 3))\ny = keras.layers.Conv2D(get_filters(), 3)(x)\n"
    result = import_code(code, "<snippet>")
    assert str(result.problems[0]).startswith(
        "line 3: get_filters() (Call): value is not a literal"
    )


def test_keras_sequential_with_add() -> None:
    code = (
        "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
        "model = keras.Sequential()\n"
        "model.add(layers.Conv2D(8, 3, strides=2, padding='same', input_shape=(9, 9, 2)))\n"
        "model.add(layers.Flatten())\nmodel.add(layers.Dense(4))\n"
    )
    result = import_code(code, "<snippet>", [9, 9, 2])
    plan = planner.infer(result.network)
    model = keras.Sequential(
        [keras.Input((9, 9, 2)), keras.layers.Conv2D(8, 3, strides=2, padding="same"),
         keras.layers.Flatten(), keras.layers.Dense(4)]
    )  # fmt: skip
    assert [r.output_shape for r in plan.layers] == [
        tuple(layer.output.shape[1:]) for layer in model.layers
    ]


def test_not_python_is_a_clear_error() -> None:
    with pytest.raises(SpecError, match="not Python"):
        import_code("def (", "<snippet>")


def test_cli_reads_stdin(tmp_path: Path) -> None:
    text = (BLOG_AUTOENCODER).read_text()
    out = tmp_path / "ae.yaml"
    runner = CliRunner()
    proc = runner.invoke(app, ["import", "-", "-o", str(out)], input=text)
    assert proc.exit_code == 0, proc.output
    net = planner.load(str(out))
    assert planner.infer(net).output_shape == (28, 28, 1)
    again = runner.invoke(app, ["import", "-", "-o", str(out)], input=text, env={"COLUMNS": "200"})
    assert again.exit_code == 2 and "unless --force is given" in again.output
