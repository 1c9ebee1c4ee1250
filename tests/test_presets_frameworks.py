"""Whole networks in the real frameworks: every preset and some hand-made networks
are built with ``planner.export`` and each framework reports every layer's output
shape and parameter count, which must equal ``planner.infer``.

- Keras: ``model.get_layer(name).output.shape`` and ``count_params()`` of the
  functional model (built once per preset per module: VGG16 allocates its weights).
- PyTorch: one forward on the ``meta`` device with hooks recording each layer's
  output shape (no memory), parameters counted per submodule.

The cross-framework tests build each network in the *other* framework too and
compare outputs numerically (all-ones weights, random input), which checks that
the padding/cropping the exporters add reproduces the network's own framework.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.dialects import get_dialect
from planner.errors import SpecError
from planner.export import to_keras, to_torch
from planner.spec.network import Network

PRESETS = planner.preset_names()
FRAMEWORK_OF = {name: planner.load(name).framework for name in PRESETS}
KERAS_PRESETS = [n for n in PRESETS if FRAMEWORK_OF[n] == "keras"]
TORCH_PRESETS = [n for n in PRESETS if FRAMEWORK_OF[n] == "torch"]

Report = dict[str, tuple[tuple[int, ...], int]]


# --- what each side says ---------------------------------------------------------------


def planner_report(net: Network) -> Report:
    result = planner.infer(net)
    assert result.ok, result.first_error
    return {
        r.name: (tuple(int(d) for d in r.output_shape), int(r.params or 0)) for r in result.layers
    }


def keras_report(model: Any, net: Network) -> Report:
    out: Report = {}
    for name in net.layer_names:
        layer = model.get_layer(name)
        out[name] = (tuple(layer.output.shape[1:]), layer.count_params())
    return out


def torch_report(net: Network, device: str = "meta") -> Report:
    module = to_torch(net, device=device)
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = [
        module.layer(name).register_forward_hook(
            lambda _m, _i, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))
        )
        for name in net.layer_names
    ]
    with torch.no_grad():
        module(torch.zeros(1, *net.input_shape, device=device))
    for hook in hooks:
        hook.remove()
    return {
        name: (shapes[name], sum(p.numel() for p in module.layer(name).parameters()))
        for name in net.layer_names
    }


def assert_same(framework: Report, plan: Report, what: str) -> None:
    assert list(framework) == list(plan)
    wrong = {n: (framework[n], plan[n]) for n in plan if framework[n] != plan[n]}
    assert not wrong, f"{what}: (framework, planner) per layer: {wrong}"


@pytest.fixture(scope="module")
def keras_models() -> Iterator[dict[str, Any]]:
    """Keras models of the presets, built once for the module (weights allocated)."""
    cache: dict[str, Any] = {}
    yield cache
    cache.clear()
    keras.backend.clear_session()


def keras_model_of(cache: dict[str, Any], name: str) -> Any:
    if name not in cache:
        cache[name] = to_keras(planner.load(name))
    return cache[name]


# --- presets -------------------------------------------------------------------------------


def test_presets_cover_both_frameworks() -> None:
    assert KERAS_PRESETS and TORCH_PRESETS
    assert set(KERAS_PRESETS) | set(TORCH_PRESETS) <= set(PRESETS)


@pytest.mark.parametrize("name", KERAS_PRESETS)
def test_keras_preset_every_layer(name: str, keras_models: dict[str, Any]) -> None:
    net = planner.load(name)
    model = keras_model_of(keras_models, name)
    assert_same(keras_report(model, net), planner_report(net), name)
    assert model.count_params() == planner.infer(net).total_params


@pytest.mark.parametrize("name", TORCH_PRESETS)
def test_torch_preset_every_layer(name: str) -> None:
    net = planner.load(name)
    assert_same(torch_report(net), planner_report(net), name)


def test_keras_autoencoder_summary_counts(keras_models: dict[str, Any]) -> None:
    """The Keras blog's summary: 160, 1160, 584, 584, 584, 1168, 145 per Conv2D."""
    net = planner.load("keras-autoencoder")
    model = keras_model_of(keras_models, "keras-autoencoder")
    convs = [layer.name for layer in net.layers if layer.type == "conv"]
    expected = [160, 1160, 584, 584, 584, 1168, 145]
    assert [model.get_layer(n).count_params() for n in convs] == expected
    result = planner.infer(net)
    assert [result[n].params for n in convs] == expected
    assert model.count_params() == result.total_params == sum(expected)
    assert tuple(model.output.shape[1:]) == result.output_shape == (28, 28, 1)


@pytest.mark.parametrize("name", KERAS_PRESETS)
def test_keras_preset_in_torch(name: str) -> None:
    """A Keras preset built in PyTorch (channels-last kept, Keras 'same'/'causal'
    placed with F.pad): planner's shapes; parameters as PyTorch counts them."""
    net = planner.load(name)
    report = torch_report(net)
    plan = planner_report(net)
    assert [s for s, _ in report.values()] == [s for s, _ in plan.values()]
    for layer in net.layers:
        params = report[layer.name][1]
        if layer.type == "batch_norm":
            channels = plan[layer.name][0][-1]
            assert params == get_dialect("torch").batch_norm_params(layer, channels)
        else:
            assert params == plan[layer.name][1], layer.name


@pytest.mark.parametrize("name", TORCH_PRESETS)
def test_torch_preset_in_keras(name: str) -> None:
    """A PyTorch preset built in Keras (padding as ZeroPadding, ConvTranspose
    padding as Cropping): planner's shapes; Keras counts BatchNorm's moving stats."""
    net = planner.load(name)
    report = keras_report(to_keras(net), net)
    plan = planner_report(net)
    for layer in net.layers:
        shape, params = report[layer.name]
        assert shape == plan[layer.name][0], layer.name
        if layer.type == "batch_norm":
            channels = plan[layer.name][0][0]
            assert params == get_dialect("keras").batch_norm_params(layer, channels) == 4 * channels
        else:
            assert params == plan[layer.name][1], layer.name


# --- hand-made networks ------------------------------------------------------------------


def tiny_unet(framework: str) -> Network:
    """Two levels, valid convolutions, crop-and-concatenate skips (like the paper)."""
    channels_last = framework == "keras"
    return Network.model_validate(
        {
            "name": f"tiny-unet-{framework}",
            "framework": framework,
            "input_shape": [28, 28, 2] if channels_last else [2, 28, 28],
            "layers": [
                {"type": "conv", "filters": 4, "kernel_size": 3, "activation": "relu", "name": "c1"},
                {"type": "conv", "filters": 4, "kernel_size": 3, "name": "c1b"},
                {"type": "max_pool", "pool_size": 2, "name": "p1"},
                {"type": "conv", "filters": 8, "kernel_size": 3, "name": "c2"},
                {"type": "conv", "filters": 8, "kernel_size": 3, "name": "c2b"},
                {"type": "max_pool", "pool_size": 2, "name": "p2"},
                {"type": "conv", "filters": 16, "kernel_size": 1, "name": "bottom"},
                {"type": "conv_transpose", "filters": 8, "kernel_size": 2, "strides": 2, "name": "u2"},
                {"type": "cropping", "cropping": 0, "name": "k2", "inputs": ["c2b"]},
                {"type": "concatenate", "name": "m2", "inputs": ["k2", "u2"]},
                {"type": "conv", "filters": 8, "kernel_size": 3, "name": "c3"},
                {"type": "conv_transpose", "filters": 4, "kernel_size": 2, "strides": 2, "name": "u1"},
                {"type": "cropping", "cropping": [[6, 6], [7, 5]], "name": "k1", "inputs": ["c1b"]},
                {"type": "concatenate", "name": "m1", "inputs": ["k1", "u1"]},
                {"type": "conv", "filters": 4, "kernel_size": 3, "name": "c4"},
                {"type": "add", "op": "add", "name": "res", "inputs": ["c4", "c4"]},
                {"type": "conv", "filters": 3, "kernel_size": 1, "activation": "softmax", "name": "out"},
            ],
        }
    )  # fmt: skip


@pytest.mark.parametrize("framework", ["keras", "torch"])
def test_tiny_unet_with_cropped_skips(framework: str) -> None:
    net = tiny_unet(framework)
    plan = planner_report(net)
    # 28 -> 26 -> 24 -> 12 -> 10 -> 8 -> 4 -> (up) 8 | c2b 8 -> 6 -> (up) 12 | c1b 24-12
    assert planner.infer(net).output_shape == ((10, 10, 3) if framework == "keras" else (3, 10, 10))
    assert_same(torch_report(net), plan, "torch")
    model = to_keras(net)
    assert_same(keras_report(model, net), plan, "keras")
    if framework == "keras":
        assert model.count_params() == planner.infer(net).total_params
    # A real forward (not meta) runs and gives planner's output shape.
    x = np.random.default_rng(0).standard_normal((1, *net.input_shape)).astype("float32")
    with torch.no_grad():
        y = to_torch(net).eval()(torch.from_numpy(x))
    assert tuple(y.shape[1:]) == planner.infer(net).output_shape
    assert tuple(keras.ops.convert_to_numpy(model(x)).shape[1:]) == planner.infer(net).output_shape


def zoo(framework: str, rank: int) -> Network:
    """One network with every mapped layer type and field form, per framework and rank."""
    channels_last = framework == "keras"
    size = {1: [40], 2: [20, 17], 3: [12, 11, 10]}[rank]
    shape = [*size, 4] if channels_last else [4, *size]
    keras_like = framework == "keras"
    layers: list[dict[str, Any]] = [
        {"type": "conv", "filters": 6, "kernel_size": 3, "strides": 2, "padding": "same" if keras_like else 1, "groups": 2, "name": "grouped"},
        {"type": "conv", "filters": 6, "kernel_size": 2, "dilation": 2, "padding": "same", "use_bias": False, "name": "dilated_same"},
        {"type": "batch_norm", "name": "bn"},
        {"type": "activation", "activation": "leakyrelu", "negative_slope": 0.1, "name": "leaky"},
        {"type": "conv_transpose", "filters": 5, "kernel_size": 3, "strides": 2, "output_padding": 1, "padding": "same" if keras_like else 1, "name": "up_op"},
        {"type": "conv_transpose", "filters": 4, "kernel_size": 2, "strides": 3, "name": "up_sparse"},
        {"type": "max_pool", "pool_size": 3, "name": "pool_default"},
        {"type": "avg_pool", "pool_size": 2, "strides": 1, "padding": "same" if keras_like else 1, "name": "avg"},
        {"type": "zero_padding", "padding": [[1, 2]] * rank, "name": "pad_pairs"},
        {"type": "cropping", "cropping": [[2, 0]] * rank, "name": "crop_pairs"},
        {"type": "upsample", "scale": 2, "name": "up2"},
        {"type": "conv", "filters": 4, "kernel_size": 1, "activation": "tanh", "name": "mix"},
        {"type": "add", "op": "maximum", "name": "maxed", "inputs": ["up2", "mix"]},
        {"type": "add", "op": "subtract", "name": "diff", "inputs": ["maxed", "up2"]},
        {"type": "dropout", "rate": 0.25, "name": "drop"},
        {"type": "global_pool", "op": "max", "keepdims": True, "name": "gmax"},
        {"type": "global_pool", "op": "avg", "name": "gavg", "inputs": ["drop"]},
        {"type": "dense", "units": 12, "activation": "gelu", "name": "fc"},
        {"type": "reshape", "target_shape": [3, -1], "name": "reshape"},
        {"type": "flatten", "name": "flat"},
        {"type": "activation", "activation": "softmax", "name": "probs"},
    ]  # fmt: skip
    if framework == "torch" or rank < 3:
        # Keras has no DepthwiseConv3D / SeparableConv3D.
        layers[1:1] = [
            {"type": "depthwise_conv", "kernel_size": 3, "depth_multiplier": 2, "padding": "same", "name": "depthwise"},
            {"type": "separable_conv", "filters": 6, "kernel_size": 3, "name": "separable"},
        ]  # fmt: skip
    return Network.model_validate(
        {"name": f"zoo{rank}d", "framework": framework, "input_shape": shape, "layers": layers}
    )


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("framework", ["keras", "torch"])
def test_zoo_every_layer_type(framework: str, rank: int) -> None:
    net = zoo(framework, rank)
    plan = planner_report(net)
    if framework == "keras":
        model = to_keras(net)
        assert_same(keras_report(model, net), plan, "keras")
        assert model.count_params() == planner.infer(net).total_params
    else:
        assert_same(torch_report(net), plan, "torch")
    types = {layer.type for layer in net.layers}
    assert types >= {"conv", "conv_transpose", "max_pool", "avg_pool", "global_pool", "upsample"}


# --- cross-framework values: the exporters' padding and cropping are the network's ---------


def ones_weights_keras(model: Any) -> None:
    for layer in model._flatten_layers(include_self=False):
        values = []
        for w in layer.weights:
            zero = any(k in w.path for k in ("bias", "beta", "moving_mean"))
            values.append(np.zeros(w.shape) if zero else np.ones(w.shape))
        if values:
            layer.set_weights(values)


def ones_weights_torch(module: torch.nn.Module) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.fill_(0.0 if name.endswith("bias") else 1.0)


def both_outputs(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    x = np.random.default_rng(1).standard_normal((1, *net.input_shape)).astype("float32")
    model = to_keras(net)
    ones_weights_keras(model)
    ky = model(x, training=False)
    ky = [keras.ops.convert_to_numpy(t) for t in (ky if isinstance(ky, list | tuple) else [ky])]
    module = to_torch(net).eval()
    ones_weights_torch(module)
    with torch.no_grad():
        ty = module(torch.from_numpy(x))
    ty = [t.numpy() for t in (ty if isinstance(ty, tuple) else (ty,))]
    return ky, ty


def branches(framework: str, input_shape: list[int], layers: list[dict[str, Any]]) -> Network:
    """Every layer reads the input: one sink (and one model output) per layer."""
    return Network.model_validate(
        {
            "name": "branches",
            "framework": framework,
            "input_shape": input_shape,
            "layers": [{**layer, "inputs": ["input"]} for layer in layers],
        }
    )


CROSS = {
    "keras": branches(
        "keras",
        [9, 10, 2],
        [
            {"type": "conv", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
            {"type": "conv", "filters": 2, "kernel_size": 4, "padding": "same", "dilation": 2},
            {"type": "conv_transpose", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
            {"type": "conv_transpose", "filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1},
            {"type": "conv_transpose", "filters": 2, "kernel_size": 2, "strides": 3},
            {"type": "max_pool", "pool_size": 3, "strides": 2, "padding": "same"},
            {"type": "depthwise_conv", "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2},
            {"type": "activation", "activation": "LeakyReLU"},
            {"type": "activation", "activation": "leaky_relu"},
            {"type": "activation", "activation": "gelu"},
            {"type": "activation", "activation": "softmax"},
            {"type": "activation", "activation": "hard_sigmoid"},
            {"type": "batch_norm"},
            {"type": "global_pool", "op": "max"},
        ],
    ),
    # Keras' PyTorch backend pads an asymmetric 'same' average pool by replicating
    # the edge (TensorFlow leaves the padding out of the average), so this case has
    # symmetric padding only: 9 and 11 with pool 3, stride 2 pad (1, 1).
    "keras_avg": branches(
        "keras",
        [9, 11, 2],
        [
            {"type": "avg_pool", "pool_size": 3, "strides": 2, "padding": "same"},
            {"type": "avg_pool", "pool_size": 2, "strides": 1, "padding": "valid"},
        ],
    ),
    "keras1d": branches(
        "keras",
        [13, 2],
        [
            {"type": "conv", "filters": 2, "kernel_size": 3, "padding": "causal", "dilation": 2},
            {"type": "conv", "filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"},
            {"type": "max_pool", "pool_size": 2, "padding": "same"},
        ],
    ),
    "torch": branches(
        "torch",
        [2, 9, 10],
        [
            {"type": "conv", "filters": 2, "kernel_size": 3, "strides": 2, "padding": 1},
            {"type": "conv", "filters": 2, "kernel_size": 3, "padding": "same", "dilation": 2},
            {"type": "conv_transpose", "filters": 2, "kernel_size": 3, "strides": 2, "padding": 1, "output_padding": 1},
            {"type": "conv_transpose", "filters": 2, "kernel_size": 2, "strides": 3},
            {"type": "conv_transpose", "filters": 2, "kernel_size": 5, "strides": 1, "padding": 2},
            {"type": "avg_pool", "pool_size": 3, "strides": 2, "padding": 1},
            {"type": "max_pool", "pool_size": 3, "strides": 2},
            {"type": "zero_padding", "padding": [1, -1, 2, 0]},
            {"type": "upsample", "scale_factor": 2},
            {"type": "activation", "activation": "LeakyReLU"},
            {"type": "activation", "activation": "gelu"},
            {"type": "activation", "activation": "softmax"},
            {"type": "batch_norm"},
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CROSS))
def test_cross_framework_values(case: str) -> None:
    """The same network in Keras and in PyTorch computes the same numbers: the
    padding, cropping and defaults the exporter adds in the foreign framework
    reproduce the network's own (ones weights, random input)."""
    net = CROSS[case]
    ky, ty = both_outputs(net)
    plan = planner.infer(net)
    assert plan.ok
    assert len(ky) == len(ty) == len(net.layers)
    for layer, k, t in zip(net.layers, ky, ty, strict=True):
        assert k.shape[1:] == t.shape[1:] == plan[layer.name].output_shape, layer.name
        np.testing.assert_allclose(k, t, rtol=1e-4, atol=1e-4, err_msg=layer.name)


def test_torch_average_of_keras_same_leaves_padding_out() -> None:
    """Keras (TensorFlow) 'same' average pooling divides by the real positions in
    each window; the PyTorch export does too where the padding is asymmetric."""
    net = net_with(
        "keras", [4, 1], [{"type": "avg_pool", "pool_size": 3, "strides": 2, "padding": "same"}]
    )
    x = torch.tensor([[[1.0], [2.0], [4.0], [8.0]]])
    with torch.no_grad():
        y = to_torch(net)(x)
    # Windows [x0, x1, x2] and [x2, x3, pad]: planner pads (0, 1).
    assert planner.infer(net).layers[0].padding == [(0, 1)]
    assert y.flatten().tolist() == pytest.approx([7.0 / 3.0, 6.0])


# --- refusals --------------------------------------------------------------------------------


def net_with(framework: str, shape: list[Any], layers: list[dict[str, Any]]) -> Network:
    return Network.model_validate(
        {"name": "n", "framework": framework, "input_shape": shape, "layers": layers}
    )


@pytest.mark.parametrize("export", [to_keras, to_torch])
def test_unknown_field_cannot_be_built(export: Any) -> None:
    net = net_with(
        "keras",
        [16, 16, 1],
        [
            {"type": "conv", "filters": 2, "kernel_size": 3, "name": "ok"},
            {"type": "conv", "filters": 2, "kernel_size": "?k", "name": "open"},
        ],
    )
    with pytest.raises(SpecError, match=r"unknown \?k") as info:
        export(net)
    assert info.value.layer == "open" and info.value.field == "kernel_size"


@pytest.mark.parametrize("export", [to_keras, to_torch])
def test_symbolic_input_cannot_be_built(export: Any) -> None:
    net = net_with("torch", [1, "H", 32], [{"type": "conv", "filters": 2, "kernel_size": 3}])
    with pytest.raises(SpecError, match=r"symbolic sizes \(H\)"):
        export(net)


@pytest.mark.parametrize("export", [to_keras, to_torch])
def test_unknown_activation_is_refused_not_identity(export: Any) -> None:
    net = net_with(
        "keras",
        [8, 8, 1],
        [{"type": "activation", "activation": "sparkle", "name": "act"}],
    )
    with pytest.raises(SpecError, match="sparkle") as info:
        export(net)
    assert info.value.layer == "act"
    conv = net_with(
        "torch", [1, 8, 8], [{"type": "conv", "filters": 1, "kernel_size": 1, "activation": "zap", "name": "c"}]
    )  # fmt: skip
    with pytest.raises(SpecError, match="zap") as info:
        export(conv)
    assert info.value.layer == "c" and info.value.field == "activation"


def test_keras_refuses_what_it_cannot_express() -> None:
    padded_max = net_with(
        "torch", [1, 8, 8], [{"type": "max_pool", "pool_size": 3, "padding": 1, "name": "mp"}]
    )
    with pytest.raises(SpecError, match="max pool with zeros") as info:
        to_keras(padded_max)
    assert info.value.layer == "mp"
    # ...while PyTorch builds it and agrees with planner.
    assert_same(torch_report(padded_max), planner_report(padded_max), "torch")


def test_torch_reuses_only_its_own_inference() -> None:
    net = planner.load("dcgan-discriminator")
    inference = planner.infer(net)
    module = to_torch(net, device="meta", inference=inference)
    assert module(torch.empty(1, 3, 64, 64, device="meta")).shape == (1, *inference.output_shape)
    with pytest.raises(SpecError, match="another network"):
        to_torch(planner.load("dcgan-discriminator"), device="meta", inference=inference)


def test_import_loads_no_framework() -> None:
    code = (
        "import sys, planner, planner.export; "
        "assert not {'torch', 'keras', 'jax'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- randomized chains: planner and the framework agree on the whole network ------------------


@st.composite
def chains(draw: st.DrawFn, framework: str) -> Network:
    """2-5 spatial layers in a row on a small 2D input, each drawn with its fields."""
    keras_like = framework == "keras"
    modes = st.sampled_from(["valid", "same"])
    torch_pads = st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2))
    layers = []
    for _ in range(draw(st.integers(2, 5))):
        kind = draw(
            st.sampled_from(
                ["conv", "conv_transpose", "max_pool", "avg_pool", "zero_padding", "cropping", "upsample"]
            )
        )  # fmt: skip
        layer: dict[str, Any] = {"type": kind}
        if kind == "conv":
            layer |= {
                "filters": draw(st.integers(1, 3)),
                "kernel_size": draw(st.integers(1, 5)),
                "strides": draw(st.integers(1, 3)),
                "dilation": draw(st.integers(1, 2)),
                "padding": draw(modes if keras_like else torch_pads),
            }
        elif kind == "conv_transpose":
            s = draw(st.integers(1, 3))
            layer |= {
                "filters": draw(st.integers(1, 3)),
                "kernel_size": draw(st.integers(1, 4)),
                "strides": s,
                "padding": draw(modes if keras_like else st.integers(0, 2)),
                "output_padding": draw(st.one_of(st.none(), st.integers(0, 2))),
            }
        elif kind in ("max_pool", "avg_pool"):
            layer |= {
                "pool_size": draw(st.integers(1, 3)),
                "strides": draw(st.one_of(st.none(), st.integers(1, 3))),
                "padding": draw(modes if keras_like else st.integers(0, 1)),
            }
            if not keras_like:
                layer["ceil_mode"] = draw(st.booleans())
        elif kind in ("zero_padding", "cropping"):
            layer[kind if kind == "cropping" else "padding"] = [
                [draw(st.integers(0, 3)), draw(st.integers(0, 3))] for _ in range(2)
            ]
        else:
            layer["scale"] = draw(st.integers(1, 2))
        layers.append(layer)
    size = [draw(st.integers(1, 20)), draw(st.integers(1, 20))]
    channels = draw(st.integers(1, 3))
    shape = [*size, channels] if keras_like else [channels, *size]
    return net_with(framework, shape, layers)


def until_first_refusal(net: Network) -> tuple[Network, bool]:
    """The network up to planner's first refused layer (included), and whether
    planner refused at all."""
    result = planner.infer(net)
    failed = result.first_error
    if failed is None:
        return net, False
    keep = net.layer_names.index(failed.name) + 1
    data = net.to_data()
    data["layers"] = data["layers"][:keep]
    return Network.model_validate(data), True


@settings(max_examples=60, deadline=None)
@given(chains("torch"))
def test_random_chains_torch(net: Network) -> None:
    net, refused = until_first_refusal(net)
    if not refused:
        plan = planner_report(net)
        assert_same(torch_report(net, "meta"), plan, "torch meta")
        assert_same(torch_report(net, "cpu"), plan, "torch cpu")
        return
    # planner refuses the last layer: PyTorch must refuse it too, by raising (at
    # construction or in the forward) or by an empty output (a ConvTranspose can
    # return size 0, which no later layer accepts). On the CPU: the meta device
    # skips some checks (it gives ConvTranspose an output_padding >= stride).
    try:
        report = torch_report(net, "cpu")
    except (RuntimeError, ValueError):
        return
    shape = report[net.layer_names[-1]][0]
    assert 0 in shape, f"PyTorch accepts {net.layer_names[-1]} with {shape}"


@settings(max_examples=40, deadline=None)
@given(chains("keras"))
def test_random_chains_keras(net: Network) -> None:
    net, refused = until_first_refusal(net)
    if not refused:
        model = to_keras(net)
        assert_same(keras_report(model, net), planner_report(net), "keras")
        return
    # Keras refuses by raising, or reports an empty axis (a transposed 'same'
    # convolution with output_padding=0 can come out at size 0).
    try:
        model = to_keras(net)
    except ValueError:
        return
    shape = tuple(model.get_layer(net.layer_names[-1]).output.shape[1:])
    assert 0 in shape, f"Keras accepts {net.layer_names[-1]} with {shape}"
