"""Export of the layer types added after the first exporters: normalisation
(``norm``: layer, group, instance), ``pixel_shuffle`` and ``permute``.

Each is planned in a small network (conv -> the layer -> conv), exported live and as
source, run in the real framework on a tensor of the planned input size, and every
layer's output shape and parameter count compared with ``planner.infer``. Where a
framework has no such layer, the refusal names the layer and says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
import torch
from test_export_source import (
    check_shapes,
    flax_code_report,
    keras_code_report,
    load_code,
    plan_report,
    torch_code_report,
)

import planner
from planner.errors import SpecError
from planner.export import to_keras, to_source, to_torch
from planner.export.keras_model import keras_layer_name
from planner.spec.network import Network

MIDDLE: dict[str, dict[str, Any]] = {
    "layer_norm": {"type": "norm", "norm": "layer"},
    "layer_norm_shape": {"type": "norm", "norm": "layer", "normalized_shape": [6, 6]},
    "group_norm": {"type": "norm", "norm": "group", "groups": 2},
    "instance_norm": {"type": "norm", "norm": "instance"},
    "layer_norm_plain": {"type": "norm", "norm": "layer", "affine": False},
    "pixel_shuffle": {"type": "pixel_shuffle", "factor": 2},
    "pixel_unshuffle": {"type": "pixel_shuffle", "factor": 2, "inverse": True},
    "permute": {"type": "permute", "dims": [2, 1, 3]},
}


def network(case: str, framework: str) -> Network:
    """conv -> the layer -> conv, in ``framework``'s layout."""
    channels_last = framework != "torch"
    shape = [8, 8, 3] if channels_last else [3, 8, 8]
    middle = dict(MIDDLE[case])
    if case == "layer_norm_shape" and not channels_last:
        middle["normalized_shape"] = [6, 6]
    elif case == "layer_norm_shape":
        middle["normalized_shape"] = [6, 8]
    return Network.model_validate(
        {
            "name": f"{case}-net",
            "framework": framework,
            "input_shape": shape,
            "layers": [
                {"type": "conv", "name": "c1", "filters": 8, "kernel_size": 3},
                {"name": "mid", **middle},
                {"type": "conv", "name": "c2", "filters": 4, "kernel_size": 1},
            ],
        }
    )


def refused(case: str, target: str) -> str | None:
    """The reason ``target`` refuses ``case``, or None when it builds it."""
    if case.startswith("pixel") and target in ("keras", "flax"):
        kind = "PixelUnshuffle" if case == "pixel_unshuffle" else "PixelShuffle"
        return f"{'Keras' if target == 'keras' else 'Flax'} has no {kind} layer"
    return None


def live_torch_report(net: Network) -> dict[str, tuple[tuple[int, ...], int]]:
    model = to_torch(net)
    x = torch.randn(1, *net.input_shape)
    out: dict[str, tuple[tuple[int, ...], int]] = {}
    seen: dict[str, torch.Tensor] = {}
    hooks = [
        model.layer(n).register_forward_hook(lambda m, i, o, n=n: seen.__setitem__(n, o))
        for n in net.layer_names
    ]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for n in net.layer_names:
        params = sum(p.numel() for p in model.layer(n).parameters())
        out[n] = (tuple(seen[n].shape[1:]), params)
    return out


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("case", list(MIDDLE))
def test_torch_live_and_source(case: str, framework: str, tmp_path: Path) -> None:
    net = network(case, framework)
    plan = plan_report(net)
    check_shapes(live_torch_report(net), plan, net)
    code = to_source(net, "torch")
    report, _ = torch_code_report(net, load_code(code, tmp_path / "t.py"), "cpu")
    check_shapes(report, plan, net)


def live_keras_report(net: Network) -> dict[str, tuple[tuple[int, ...], int]]:
    model = to_keras(net)
    out = model(np.random.default_rng(0).standard_normal((1, *net.input_shape)).astype("float32"))
    assert tuple(out.shape[1:]) == planner.infer(net).output_shape
    layers = {n: model.get_layer(keras_layer_name(n)) for n in net.layer_names}
    return {n: (tuple(lay.output.shape[1:]), lay.count_params()) for n, lay in layers.items()}


@pytest.mark.parametrize("framework", ["keras", "torch"])
@pytest.mark.parametrize("case", list(MIDDLE))
def test_keras_live_and_source(case: str, framework: str, tmp_path: Path) -> None:
    net = network(case, framework)
    reason = refused(case, "keras")
    if reason is not None:
        for build in (lambda: to_keras(net), lambda: to_source(net, "keras")):
            with pytest.raises(SpecError) as err:
                build()
            assert "mid" in str(err.value) and reason in str(err.value)
        return
    plan = plan_report(net)
    check_shapes(live_keras_report(net), plan, net)
    keras.backend.clear_session()
    report, _ = keras_code_report(net, load_code(to_source(net, "keras"), tmp_path / "k.py"))
    check_shapes(report, plan, net)
    keras.backend.clear_session()


@pytest.mark.parametrize("framework", ["keras", "torch"])
@pytest.mark.parametrize("case", list(MIDDLE))
def test_flax_source(case: str, framework: str, tmp_path: Path) -> None:
    net = network(case, framework)
    reason = refused(case, "flax")
    if reason is not None:
        with pytest.raises(SpecError) as err:
            to_source(net, "flax")
        assert "mid" in str(err.value) and reason in str(err.value)
        return
    path = tmp_path / "f.py"
    report, _ = flax_code_report(net, load_code(to_source(net, "flax"), path), path)
    check_shapes(report, plan_report(net), net)


@pytest.mark.parametrize("framework", ["keras", "torch"])
@pytest.mark.parametrize("case", [c for c in MIDDLE if not c.startswith("pixel")])
def test_values_agree_across_frameworks(case: str, framework: str, tmp_path: Path) -> None:
    """The layer alone, exported to PyTorch, Keras and Flax, gives the same values on
    the same tensor (scales 1, shifts 0 at initialisation in all three); permute is
    also checked against numpy's transpose."""
    import jax

    full = network(case, framework)
    shape = list(plan_report(full)["c1"][0])
    middle = dict(MIDDLE[case]) | {"name": "mid"}
    if "normalized_shape" in middle:
        middle["normalized_shape"] = full.layers[1].normalized_shape
    net = Network.model_validate(
        {"name": "alone", "framework": framework, "input_shape": shape, "layers": [middle]}
    )
    x = np.random.default_rng(1).standard_normal((2, *shape)).astype("float32")
    with torch.no_grad():
        got_torch = to_torch(net)(torch.from_numpy(x)).numpy()
    got_keras = np.asarray(keras.ops.convert_to_numpy(to_keras(net)(x)))
    keras.backend.clear_session()
    path = tmp_path / "f.py"
    model = load_code(to_source(net, "flax"), path).build()
    variables = model.init(jax.random.PRNGKey(0), x)
    got_flax = np.asarray(model.apply(variables, x))
    assert got_torch.shape == (2, *planner.infer(net).output_shape)
    np.testing.assert_allclose(got_keras, got_torch, atol=1e-4)
    np.testing.assert_allclose(got_flax, got_torch, atol=1e-4)
    if case == "permute":
        np.testing.assert_array_equal(got_torch, x.transpose(0, *MIDDLE[case]["dims"]))


@pytest.mark.parametrize("shape", [[4, 6], [8, 2, 2, 2]])
def test_torch_refuses_pixel_shuffle_off_2d(shape: list[int]) -> None:
    """planner plans PixelShuffle on any rank; PyTorch's works on 2D images only."""
    net = Network.model_validate(
        {
            "name": "ps",
            "framework": "torch",
            "input_shape": shape,
            "layers": [{"type": "pixel_shuffle", "name": "mid", "factor": 2}],
        }
    )
    assert planner.infer(net).ok
    # PyTorch reads the last three axes as (C, H, W): it fails or gives another shape.
    try:
        got = tuple(torch.nn.PixelShuffle(2)(torch.zeros(1, *shape)).shape[1:])
    except RuntimeError:
        got = None
    assert got != planner.infer(net).output_shape
    for build in (lambda: to_torch(net), lambda: to_source(net, "torch")):
        with pytest.raises(SpecError) as err:
            build()
        assert "mid" in str(err.value) and "2D images only" in str(err.value)


def test_onnx_same_upper_crop_exports_to_keras_with_onnxruntime_values() -> None:
    """ONNX SAME_UPPER average pooling with a stride above the kernel resolves to a
    negative pad at opset 19+ (the last window never reaches the end): Keras gets a
    Cropping layer, and the values are ONNX Runtime's."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    layer = {"type": "AveragePool", "kernel_shape": [2, 1], "strides": [3, 3]}
    layer |= {"auto_pad": "SAME_UPPER", "name": "pool"}

    def network(**extra: Any) -> planner.Network:
        data = {"framework": "onnx", "input_shape": [2, 13, 11], "layers": [layer | extra]}
        return planner.Network.model_validate(data)

    # ONNX's default divides by the real pixels only: zero padding cannot say that.
    with pytest.raises(SpecError, match="leaves padding out of its divisor") as refused:
        to_keras(network())
    assert refused.value.layer == "pool"
    net = network(count_include_pad=1)
    result = planner.infer(net)
    assert any(b < 0 or a < 0 for b, a in result.layers[-1].padding)
    x = np.random.default_rng(0).standard_normal((1, 2, 13, 11)).astype("float32")
    got = np.asarray(to_keras(net)(x))
    node = helper.make_node(
        "AveragePool",
        ["x"],
        ["y"],
        kernel_shape=[2, 1],
        strides=[3, 3],
        auto_pad="SAME_UPPER",
        count_include_pad=1,
    )
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 13, 11])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
    want = ort.InferenceSession(proto.SerializeToString()).run(None, {"x": x})[0]
    assert got.shape == want.shape == (1, *result.output_shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
