"""Generated source code, run in the real frameworks.

For every preset and for random networks (hypothesis): ``to_source`` writes a file,
the file is imported, the model it defines is run on a tensor of the planned input
size, and every layer's output shape and parameter count is compared with
``planner.infer``.

- PyTorch: ``forward``'s local variables are the layers (one per planner layer,
  named like it), read when ``forward`` returns; run on the ``meta`` device for the
  big presets (no memory), on real tensors for the small ones.
- Keras 3 (torch backend): ``model.get_layer(name).output.shape`` and
  ``count_params()``.

Where a layer is translated across frameworks (a Keras network written as PyTorch
code and the reverse), the generated model computes the same numbers as the
network's own framework (all-ones weights, random input).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import keras
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from strategies import sequential_network
from test_presets_frameworks import (
    CROSS,
    ones_weights_keras,
    ones_weights_torch,
    tiny_unet,
    zoo,
)

import planner
from planner.errors import SpecError
from planner.export import to_keras, to_source, to_torch
from planner.export.keras_model import keras_layer_name
from planner.export.source import Names
from planner.spec.network import Network

PRESETS = planner.preset_names()
SMALL = ("keras-autoencoder", "dcgan-discriminator", "dcgan-generator", "wavenet-1d")

Report = dict[str, tuple[tuple[int, ...], int]]


def load_code(code: str, path: Path) -> ModuleType:
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan_report(net: Network) -> Report:
    result = planner.infer(net)
    assert result.ok, result.first_error
    return {
        r.name: (tuple(int(d) for d in r.output_shape), int(r.params or 0)) for r in result.layers
    }


def forward_locals(model: torch.nn.Module, x: torch.Tensor) -> dict[str, Any]:
    """The local variables of ``model.forward`` when it returns."""
    code = type(model).forward.__code__
    seen: dict[str, Any] = {}

    def profile(frame: Any, event: str, _arg: Any) -> None:
        if event == "return" and frame.f_code is code:
            seen.update(frame.f_locals)

    sys.setprofile(profile)
    try:
        with torch.no_grad():
            model(x)
    finally:
        sys.setprofile(None)
    return seen


def torch_code_report(net: Network, module: ModuleType, device: str) -> tuple[Report, Any]:
    with torch.device(device):
        model = module.build()
    names = Names(("x", "self", "torch", "nn", "F"))
    x = torch.randn(1, *net.input_shape) if device == "cpu" else torch.empty(1, *net.input_shape)
    values = forward_locals(model, x.to(device))
    report: Report = {}
    for layer in net.layers:
        ident = names(layer.name)
        sub = getattr(model, ident, None)
        params = sum(p.numel() for p in sub.parameters()) if sub is not None else 0
        report[layer.name] = (tuple(values[ident].shape[1:]), params)
    return report, model


def keras_code_report(net: Network, module: ModuleType) -> tuple[Report, Any]:
    model = module.build_model()
    layers = {n: model.get_layer(keras_layer_name(n)) for n in net.layer_names}
    report = {n: (tuple(lay.output.shape[1:]), lay.count_params()) for n, lay in layers.items()}
    return report, model


def flax_code_report(net: Network, module: ModuleType, path: Path) -> tuple[Report, Any]:
    """Shapes of every layer (``__call__``'s locals, traced abstractly by
    ``jax.eval_shape``: no compute) and parameters per named submodule."""
    import jax
    import jax.numpy as jnp

    model = module.build()
    x = jax.ShapeDtypeStruct((1, *net.input_shape), jnp.float32)
    seen: dict[str, Any] = {}
    filename = str(path)

    def profile(frame: Any, event: str, _arg: Any) -> None:
        if (
            event == "return"
            and frame.f_code.co_filename == filename
            and frame.f_code.co_name == "__call__"
        ):
            seen.update(frame.f_locals)

    sys.setprofile(profile)
    try:
        variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), x)
    finally:
        sys.setprofile(None)
    params = variables.get("params", {})
    names = Names(("x", "self", "jax", "jnp", "nn", "lax", "to_last", "to_first"))
    report: Report = {}
    for layer in net.layers:
        ident = names(layer.name)
        count = sum(
            int(a.size)
            for key, tree in params.items()
            if key in (layer.name, f"{layer.name}_depthwise", f"{layer.name}_pointwise")
            for a in jax.tree_util.tree_leaves(tree)
        )
        report[layer.name] = (tuple(seen[ident].shape[1:]), count)
    return report, (model, variables)


def check_shapes(report: Report, plan: Report, net: Network, params: bool = True) -> None:
    assert list(report) == list(plan)
    wrong = {n: (report[n][0], plan[n][0]) for n in plan if report[n][0] != plan[n][0]}
    assert not wrong, f"(generated, planner) shapes: {wrong}"
    # BatchNorm: Keras counts its moving statistics as parameters, PyTorch does not.
    for layer in net.layers:
        if params and layer.type != "batch_norm":
            assert report[layer.name][1] == plan[layer.name][1], layer.name


@pytest.mark.parametrize("name", PRESETS)
def test_preset_to_torch_code(name: str, tmp_path: Path) -> None:
    net = planner.load(name)
    code = to_source(net, "torch")
    report, model = torch_code_report(
        net, load_code(code, tmp_path / "m.py"), "cpu" if name in SMALL else "meta"
    )
    check_shapes(report, plan_report(net), net)
    if net.framework == "torch":
        assert sum(p.numel() for p in model.parameters()) == planner.infer(net).total_params


@pytest.mark.parametrize("name", PRESETS)
def test_preset_to_keras_code(name: str, tmp_path: Path) -> None:
    net = planner.load(name)
    code = to_source(net, "keras")
    report, model = keras_code_report(net, load_code(code, tmp_path / "m.py"))
    check_shapes(report, plan_report(net), net)
    if net.framework == "keras":
        assert model.count_params() == planner.infer(net).total_params
    if name in SMALL:
        x = np.zeros((1, *net.input_shape), "float32")
        y = model(x)
        y = y[0] if isinstance(y, list | tuple) else y
        assert tuple(y.shape[1:]) == planner.infer(net).output_shape
    keras.backend.clear_session()


@pytest.mark.parametrize("name", PRESETS)
def test_preset_to_flax_code(name: str, tmp_path: Path) -> None:
    net = planner.load(name)
    path = tmp_path / "f.py"
    report, _ = flax_code_report(net, load_code(to_source(net, "flax"), path), path)
    check_shapes(report, plan_report(net), net)


@pytest.mark.parametrize("framework", ["keras", "torch"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_every_layer_type_both_targets(framework: str, rank: int, tmp_path: Path) -> None:
    net = zoo(framework, rank)
    plan = plan_report(net)
    report, _ = torch_code_report(net, load_code(to_source(net, "torch"), tmp_path / "t.py"), "cpu")
    check_shapes(report, plan, net)
    try:
        code = to_source(net, "keras")
    except SpecError as exc:
        # Refused exactly where the live exporter refuses, naming the layer.
        assert exc.layer in net.layer_names
        with pytest.raises(SpecError, match=str(exc).split(": ", 1)[1]):
            to_keras(net)
        return
    report, _ = keras_code_report(net, load_code(code, tmp_path / "k.py"))
    check_shapes(report, plan, net)
    path = tmp_path / "f.py"
    report, _ = flax_code_report(net, load_code(to_source(net, "flax"), path), path)
    check_shapes(report, plan, net)


@pytest.mark.parametrize("framework", ["keras", "torch"])
def test_unet_skips_crops_in_forward(framework: str, tmp_path: Path) -> None:
    net = tiny_unet(framework)
    code = to_source(net, "torch")
    # The skips, crops and concatenations are written in forward, not hidden in modules.
    forward = code.split("    def forward")[-1]
    assert "torch.cat([k1, u1]" in forward and "k1 = c1b[" in forward
    report, _ = torch_code_report(net, load_code(code, tmp_path / "t.py"), "cpu")
    check_shapes(report, plan_report(net), net)


def flax_ones_outputs(net: Network, code: str, path: Path, x: np.ndarray) -> list[np.ndarray]:
    """The generated Flax model's outputs with all-ones weights and zero biases (and
    batch statistics mean 0, variance 1), like ``ones_weights_keras``/``_torch``."""
    import jax
    import jax.numpy as jnp

    model = load_code(code, path).build()
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), jnp.asarray(x))

    def fill(p: Any, leaf: Any) -> Any:
        key = jax.tree_util.keystr(p)
        zero = "bias" in key or "'mean'" in key
        return jnp.zeros(leaf.shape) if zero else jnp.ones(leaf.shape)

    values = jax.tree_util.tree_map_with_path(fill, variables)
    out = model.apply(values, jnp.asarray(x))
    return [np.asarray(t) for t in (out if isinstance(out, tuple) else (out,))]


@pytest.mark.parametrize("target", ["other", "flax"])
@pytest.mark.parametrize("case", sorted(CROSS))
def test_translated_code_computes_the_same_values(case: str, target: str, tmp_path: Path) -> None:
    """Code for another framework computes what the network's own framework does."""
    net = CROSS[case]
    x = np.random.default_rng(3).standard_normal((1, *net.input_shape)).astype("float32")
    if net.framework == "keras":
        reference = to_keras(net)
        ones_weights_keras(reference)
        want = [keras.ops.convert_to_numpy(t) for t in reference(x, training=False)]
    else:
        reference = to_torch(net).eval()
        ones_weights_torch(reference)
        with torch.no_grad():
            want = [t.numpy() for t in reference(torch.from_numpy(x))]
    if target == "flax":
        got = flax_ones_outputs(net, to_source(net, "flax"), tmp_path / "f.py", x)
    elif net.framework == "keras":
        model = load_code(to_source(net, "torch"), tmp_path / "t.py").build().eval()
        ones_weights_torch(model)
        with torch.no_grad():
            got = [t.numpy() for t in model(torch.from_numpy(x))]
    else:
        model = load_code(to_source(net, "keras"), tmp_path / "k.py").build_model()
        ones_weights_keras(model)
        got = [keras.ops.convert_to_numpy(t) for t in model(x, training=False)]
    assert len(got) == len(want) == len(net.layers)
    for layer, g, w in zip(net.layers, got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4, err_msg=layer.name)


def test_same_average_pool_carries_its_helper(tmp_path: Path) -> None:
    """TensorFlow's 'same' average pooling leaves the padding out of the divisor;
    PyTorch has no argument for that, so the file carries the helper that does."""
    net = Network.model_validate(
        {
            "name": "avg",
            "input_shape": [9, 10, 2],
            "layers": [{"type": "avg_pool", "pool_size": 2, "strides": 2, "padding": "same"}],
        }
    )
    code = to_source(net, "torch")
    assert "class AvgPoolExcludingPad(nn.Module):" in code
    assert "nn.ZeroPad2d((0, 0, 0, 1))" in code
    x = np.random.default_rng(0).standard_normal((1, 9, 10, 2)).astype("float32")
    model = load_code(code, tmp_path / "t.py").build()
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    # The oracle: each window's mean over its real pixels only.
    want = np.zeros((1, 5, 5, 2), "float32")
    for i in range(5):
        for j in range(5):
            want[0, i, j] = x[0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].mean(axis=(0, 1))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# A ceil-mode max pool whose last window reaches past the input: Flax needs the
# after-padding ceil_mode implies (found by hypothesis: 5x5 instead of 6x6).
_CEIL_POOL = {
    "name": "random",
    "framework": "torch",
    "input_shape": [2, "H", "W"],
    "layers": [{"type": "max_pool", "pool_size": 3, "strides": 2, "padding": 0, "ceil_mode": True}],
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=sequential_network(framework=None, max_layers=4),
    size=st.integers(12, 30),
    target=st.sampled_from(["keras", "torch", "flax"]),
)
@example(data=_CEIL_POOL, size=12, target="flax")
@example(data=_CEIL_POOL, size=12, target="torch")
@example(data=_CEIL_POOL, size=12, target="keras")
def test_random_networks_round_trip(
    data: dict, size: int, target: str, tmp_path_factory: Any
) -> None:
    data = {**data, "input_shape": [size if d in ("H", "W") else d for d in data["input_shape"]]}
    net = Network.model_validate(data)
    result = planner.infer(net)
    if not result.ok:
        return  # an invalid plan has nothing to export (refusals are tested elsewhere)
    try:
        code = to_source(net, target)
    except SpecError as exc:
        # A refusal names the layer and why (e.g. zero-padding a max pool in Keras).
        assert exc.layer in net.layer_names and str(exc)
        return
    path = tmp_path_factory.mktemp("gen") / "m.py"
    module = load_code(code, path)
    if target == "torch":
        report, _ = torch_code_report(net, module, "cpu")
    elif target == "flax":
        report, _ = flax_code_report(net, module, path)
    else:
        report, _ = keras_code_report(net, module)
    check_shapes(report, plan_report(net), net)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(1, 13), min_size=2, max_size=2),
    kernel=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
)
@example(sizes=[12, 12], kernel=3, stride=2, pad=0)
@example(sizes=[7, 6], kernel=3, stride=2, pad=1)
def test_ceil_mode_pooling_values_match_pytorch(
    sizes: list[int], kernel: int, stride: int, pad: int, tmp_path_factory: Any
) -> None:
    """ceil_mode max and average pooling (count_include_pad both ways), written as
    Flax and PyTorch code, compute PyTorch's own values; Keras refuses by name."""
    assume(pad <= kernel // 2)
    common = {"pool_size": kernel, "strides": stride, "padding": pad, "ceil_mode": True}
    net = Network.model_validate(
        {
            "name": "ceil",
            "framework": "torch",
            "input_shape": [2, *sizes],
            "layers": [
                {"type": "max_pool", "name": "mp", **common},
                {"type": "avg_pool", "name": "ap_in", "inputs": ["input"], **common},
                {
                    "type": "avg_pool",
                    "name": "ap_ex",
                    "inputs": ["input"],
                    "count_include_pad": False,
                    **common,
                },
            ],
        }
    )
    assume(planner.infer(net).ok)
    x = np.random.default_rng(7).standard_normal((1, 2, *sizes)).astype("float32")
    t = torch.from_numpy(x)
    args = {"kernel_size": kernel, "stride": stride, "padding": pad, "ceil_mode": True}
    want = [
        torch.nn.MaxPool2d(**args)(t).numpy(),
        torch.nn.AvgPool2d(**args)(t).numpy(),
        torch.nn.AvgPool2d(**args, count_include_pad=False)(t).numpy(),
    ]
    path = tmp_path_factory.mktemp("ceil")
    got_flax = flax_ones_outputs(net, to_source(net, "flax"), path / "f.py", x)
    with torch.no_grad():
        got_torch = [
            y.numpy() for y in load_code(to_source(net, "torch"), path / "t.py").build()(t)
        ]
    for name, f, g, w in zip(net.layer_names, got_flax, got_torch, want, strict=True):
        np.testing.assert_allclose(f, w, rtol=1e-5, atol=1e-6, err_msg=f"flax {name}")
        np.testing.assert_allclose(g, w, rtol=1e-6, err_msg=f"torch {name}")
    with pytest.raises(SpecError, match="Keras pooling has no ceil_mode") as refused:
        to_source(net, "keras")
    assert refused.value.layer == "mp"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 12),
    kernel=st.integers(2, 4),
    stride=st.integers(1, 3),
    before=st.integers(0, 3),
    after=st.integers(0, 3),
)
@example(n=8, kernel=2, stride=3, before=1, after=1)
@example(n=8, kernel=3, stride=2, before=0, after=2)
def test_onnx_ceil_mode_pooling_values_match_onnx_runtime(
    n: int, kernel: int, stride: int, before: int, after: int, tmp_path_factory: Any
) -> None:
    """ONNX ceil mode lets no window start in the end padding; PyTorch's ceil mode on
    an input padded ahead does. The PyTorch and Flax code compute ONNX Runtime's
    values (max, and average counting the padding or not)."""
    from conformance.runners import run_onnx_objects
    from onnx import helper

    assume(before < kernel and after < kernel)
    common = {"pool_size": kernel, "strides": stride, "padding": [[before, after]]}
    common["ceil_mode"] = True
    layers = [
        {"type": "max_pool", "name": "mp", **common},
        {"type": "avg_pool", "name": "ap_in", "count_include_pad": True, **common},
        {"type": "avg_pool", "name": "ap_ex", "count_include_pad": False, **common},
    ]
    for layer in layers[1:]:
        layer["inputs"] = ["input"]
    net = Network.model_validate(
        {"name": "ceil", "framework": "onnx", "input_shape": [2, n], "layers": layers}
    )
    assume(planner.infer(net).ok)
    x = np.random.default_rng(11).standard_normal((1, 2, n)).astype("float32")
    attrs = {"kernel_shape": [kernel], "strides": [stride], "pads": [before, after]}
    nodes = [
        helper.make_node("MaxPool", ["x"], ["y"], ceil_mode=1, **attrs),
        helper.make_node("AveragePool", ["x"], ["y"], ceil_mode=1, count_include_pad=1, **attrs),
        helper.make_node("AveragePool", ["x"], ["y"], ceil_mode=1, count_include_pad=0, **attrs),
    ]
    want = [run_onnx_objects([node], x) for node in nodes]
    path = tmp_path_factory.mktemp("onnx_ceil")
    got_flax = flax_ones_outputs(net, to_source(net, "flax"), path / "f.py", x)
    with torch.no_grad():
        model = load_code(to_source(net, "torch"), path / "t.py").build()
        got_torch = [y.numpy() for y in model(torch.from_numpy(x))]
    for name, f, g, w in zip(net.layer_names, got_flax, got_torch, want, strict=True):
        np.testing.assert_allclose(f, w, rtol=1e-5, atol=1e-6, err_msg=f"flax {name}")
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=f"torch {name}")


def test_unknown_target_is_a_clear_error() -> None:
    with pytest.raises(SpecError, match="valid targets: keras, torch, flax"):
        to_source(planner.load("keras-autoencoder"), "caffe")


def test_adaptive_pooling_exports_match_pytorch(tmp_path: Path) -> None:
    """AdaptiveAvgPool2d((3, None)) and AdaptiveMaxPool2d(2) (fidelity's output_size):
    the generated PyTorch and Keras code compute what PyTorch's own modules do."""
    net = Network.model_validate(
        {
            "name": "adaptive",
            "framework": "torch",
            "input_shape": [4, 9, 11],
            "layers": [
                {"type": "AdaptiveAvgPool2d", "output_size": [3, None], "name": "ap"},
                {"type": "AdaptiveMaxPool2d", "output_size": 2, "name": "mp", "inputs": ["input"]},
            ],
        }
    )
    x = np.random.default_rng(5).standard_normal((1, 4, 9, 11)).astype("float32")
    t = torch.from_numpy(x)
    want = [
        torch.nn.AdaptiveAvgPool2d((3, None))(t).numpy(),
        torch.nn.AdaptiveMaxPool2d(2)(t).numpy(),
    ]
    assert [w.shape[1:] for w in want] == [planner.infer(net)[n].output_shape for n in ("ap", "mp")]
    with torch.no_grad():
        got = [y.numpy() for y in load_code(to_source(net, "torch"), tmp_path / "t.py").build()(t)]
    keras_model = load_code(to_source(net, "keras"), tmp_path / "k.py").build_model()
    got_keras = [keras.ops.convert_to_numpy(y) for y in keras_model(x)]
    for g, k, w in zip(got, got_keras, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-6)
        np.testing.assert_allclose(k, w, rtol=1e-5, atol=1e-6)
    with pytest.raises(SpecError, match="Flax has no adaptive pooling"):
        to_source(net, "flax")
