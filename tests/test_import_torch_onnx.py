"""PyTorch modules written by hand (a U-Net cropping its skips at run time with
slicing and ``F.pad``, a ResNet-style stem with ``AdaptiveAvgPool2d``), imported
through ``torch.export`` and through the ONNX files PyTorch exports from them.

Oracles: the shapes ``torch.export`` records for every node (a real trace), and
ONNX Runtime's outputs for every tensor the import maps to a layer. Import then
export gives a model with the same shapes and parameter counts.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from models.torch_models import INPUT_SHAPES, ResNetStem, UNet

import planner
from planner.errors import SpecError
from planner.importers import import_model
from planner.importers.onnx_graph import import_onnx
from planner.importers.torch_module import import_torch

MODELS = {"unet": UNet, "resnet": ResNetStem}


def torch_model(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return MODELS[name]().eval()


def export_onnx(model: torch.nn.Module, shape: tuple[int, ...], path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (torch.zeros(1, *shape),), str(path), dynamo=False, opset_version=17
        )
    return path


def onnx_shapes(
    path: Path, tensors: list[str], shape: tuple[int, ...]
) -> dict[str, tuple[int, ...]]:
    """Every listed tensor's shape as ONNX Runtime computes it."""
    model = onnx.load(str(path))
    known = {o.name for o in model.graph.output}
    for name in tensors:
        if name not in known:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {
        session.get_inputs()[0].name: np.random.default_rng(0)
        .standard_normal((1, *shape))
        .astype("float32")
    }
    names = [o.name for o in session.get_outputs()]
    values = dict(zip(names, session.run(names, feed), strict=True))
    return {t: tuple(values[t].shape[1:]) for t in tensors}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torch_export_import(name: str) -> None:
    model = torch_model(name)
    shape = INPUT_SHAPES[name]
    result = import_torch(model, list(shape))
    assert result.complete, result.problems
    plan = planner.infer(result.network)
    assert plan.ok, plan.first_error
    exported = torch.export.export(model, (torch.zeros(1, *shape),))
    recorded = {
        n.name: tuple(n.meta["val"].shape[1:])
        for n in exported.graph.nodes
        if "val" in n.meta and hasattr(n.meta["val"], "shape")
    }
    for layer in result.network.layers:
        assert plan[layer.name].output_shape == recorded[result.origins[layer.name]], layer.name
    with torch.no_grad():
        assert plan.output_shape == tuple(model(torch.randn(1, *shape)).shape[1:])
    assert plan.total_params == sum(p.numel() for p in model.parameters())


def test_functional_calls_are_seen_and_named() -> None:
    result = import_torch(torch_model("unet"), list(INPUT_SHAPES["unet"]))
    net = result.network
    types = {layer.name: layer.type for layer in net.layers}
    # x[..., a:b] crops, F.pad (negative: crops), torch.cat, the module tree's names.
    assert types["slice"] == "cropping" and types["pad"] == "zero_padding"
    assert types["cat"] == types["cat_1"] == "concatenate"
    assert types["down1.conv1"] == "conv" and types["down1.relu"] == "activation"
    assert net.layer("cat").inputs == ["slice_1", "up2"]


def test_module_path_form_runs_user_code() -> None:
    result = import_model("models.torch_models:ResNetStem", list(INPUT_SHAPES["resnet"]))
    assert result.network.layer("avgpool").type == "global_pool"
    with pytest.raises(SpecError, match="give --input"):
        import_model("models.torch_models:ResNetStem")
    with pytest.raises(SpecError, match="has no attribute 'Nope'"):
        import_model("models.torch_models:Nope", [3, 8, 8])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_import(name: str, tmp_path: Path) -> None:
    shape = INPUT_SHAPES[name]
    model = torch_model(name)
    path = export_onnx(model, shape, tmp_path / f"{name}.onnx")
    result = import_model(str(path))
    assert result.complete, result.problems
    plan = planner.infer(result.network)
    assert plan.ok, plan.first_error
    tensors = [result.origins[n] for n in result.network.layer_names]
    want = onnx_shapes(path, tensors, shape)
    for layer in result.network.layers:
        assert plan[layer.name].output_shape == want[result.origins[layer.name]], layer.name
    assert plan.total_params == onnx_params(path)


def onnx_params(path: Path) -> int:
    """Trainable numbers in an ONNX file: the weights and biases of its layers (the
    exporter folds eval-mode BatchNorm into the convolutions before)."""
    model = onnx.load(str(path))
    sizes = {i.name: int(np.prod(i.dims)) for i in model.graph.initializer}
    for n in model.graph.node:  # shared initializers reach layers through Identity
        if n.op_type == "Identity" and n.input[0] in sizes:
            sizes[n.output[0]] = sizes[n.input[0]]
    used = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2), "BatchNormalization": (1, 2)}
    return sum(
        sizes.get(n.input[i], 0)
        for n in model.graph.node
        if n.op_type in used
        for i in used[n.op_type]
        if i < len(n.input)
    )


def test_onnx_fixed_resize_is_flagged(tmp_path: Path) -> None:
    class Fixed(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.interpolate(x, size=(20, 24), mode="nearest")

    path = export_onnx(Fixed(), (2, 10, 12), tmp_path / "fixed.onnx")
    result = import_onnx(path)
    assert result.network.layers[0].output_size == (20, 24)
    assert any("fixed when the model was exported" in n for n in result.notes)


def test_onnx_unsupported_op_is_named_and_the_rest_kept(tmp_path: Path) -> None:
    class Odd(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.relu(torch.sqrt(self.conv(x).abs()))

    path = export_onnx(Odd(), (2, 10, 10), tmp_path / "odd.onnx")
    result = import_onnx(path)
    assert [(p.op, p.reason[:30]) for p in result.problems][:1] == [
        ("Abs", "planner has no layer for the O")
    ]
    assert [p.op for p in result.problems] == ["Abs", "Sqrt", "Relu"]
    assert result.network.layer_names == ["conv.Conv"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_import_then_export(name: str, tmp_path: Path) -> None:
    from test_export_source import check_shapes, load_code, plan_report, torch_code_report

    from planner.export import to_source

    net = import_torch(torch_model(name), list(INPUT_SHAPES[name])).network
    for target in ("torch", "keras"):
        try:
            code = to_source(net, target)
        except SpecError as exc:
            # ResNet's max pool pads 1|1: Keras pads 0|1 for 'same' and cannot pad a
            # max pool with -inf, so that export is refused, naming the layer.
            assert (name, target, exc.layer) == ("resnet", "keras", "maxpool")
            assert "padding a max pool with zeros would change its values" in str(exc)
            continue
        module = load_code(code, tmp_path / f"{target}.py")
        if target == "torch":
            report: Any = torch_code_report(net, module, "cpu")[0]
        else:
            from test_export_source import keras_code_report

            report = keras_code_report(net, module)[0]
        check_shapes(report, plan_report(net), net)


def test_user_code_that_fails_is_a_clear_error(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "broken_model.py").write_text(
        "import torch\nclass M(torch.nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        raise RuntimeError('boom')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SpecError, match="building broken_model:M raised RuntimeError: boom"):
        import_model("broken_model:M", [3, 8, 8])


def test_keras_onnx_through_torch_export_is_read_channels_first(tmp_path: Path) -> None:
    """A Keras model (PyTorch backend) exported with ``torch.onnx.export`` carries a
    Transpose around every layer (channels-last <-> channels-first): read as layout
    changes, named in a note (tests/test_import_keras_onnx.py checks every layer)."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    from models.keras_models import blog_autoencoder

    model = blog_autoencoder()
    path = export_onnx(model, (28, 28, 1), tmp_path / "ae.onnx")
    result = import_model(str(path))
    assert result.complete, result.problems
    plan = planner.infer(result.network)
    assert plan.ok, plan.first_error
    height, width, channels = model.output.shape[1:]
    assert plan.output_shape == (channels, height, width)
    assert plan.total_params == model.count_params()
    assert any("Transpose" in note and "layout changes" in note for note in result.notes)
