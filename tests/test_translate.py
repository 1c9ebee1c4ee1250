"""Padding translation: exact answers give the same values in both real frameworks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch
from torch import nn

import planner
from planner.translate import translate


def keras_net(layer: dict, size: int = 13) -> planner.Network:
    return planner.loads(
        f"name: t\ninput_shape: [{size}, {size}, 2]\nlayers: [{layer!r}]\n".replace("'", '"')
    )


def torch_modules(code: str) -> list[nn.Module]:
    return eval(f"[{code}]", {"nn": nn})  # the snippet planner printed, run as written


@pytest.mark.parametrize("size", [13, 14, 28])
@pytest.mark.parametrize(("k", "s"), [(3, 2), (4, 2), (5, 3), (2, 2), (1, 2)])
def test_keras_same_conv_to_torch_gives_equal_values(size, k, s):
    layer = {
        "type": "Conv2D",
        "filters": 3,
        "kernel_size": k,
        "strides": s,
        "padding": "same",
        "name": "c",
        "use_bias": False,
    }
    t = translate(keras_net(layer, size), "c", "torch")
    assert t.exact, t.reason
    x = np.random.default_rng(0).standard_normal((1, size, size, 2)).astype("float32")
    kl = keras.layers.Conv2D(3, k, strides=s, padding="same", use_bias=False)
    expected = keras.ops.convert_to_numpy(kl(x))
    modules = torch_modules(t.code)
    conv = modules[-1]
    with torch.no_grad():
        weight = keras.ops.convert_to_numpy(kl.kernel)  # (k, k, in, out)
        conv.weight.copy_(torch.from_numpy(weight.transpose(3, 2, 0, 1)))
        y = torch.nn.Sequential(*modules)(torch.from_numpy(x.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y.numpy().transpose(0, 2, 3, 1), expected, atol=1e-5)


@pytest.mark.parametrize("size", [7, 8, 13])
@pytest.mark.parametrize("kind", ["MaxPooling2D", "AveragePooling2D"])
def test_keras_same_pooling_to_torch_ceil_mode_gives_equal_values(size, kind):
    layer = {"type": kind, "pool_size": 2, "padding": "same", "name": "p"}
    t = translate(keras_net(layer, size), "p", "torch")
    assert t.exact, t.reason
    x = np.random.default_rng(1).standard_normal((1, size, size, 2)).astype("float32")
    cls = keras.layers.MaxPooling2D if kind == "MaxPooling2D" else keras.layers.AveragePooling2D
    expected = keras.ops.convert_to_numpy(cls(2, padding="same")(x))
    (pool,) = torch_modules(t.code)
    y = pool(torch.from_numpy(x.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y.numpy().transpose(0, 2, 3, 1), expected, atol=1e-5)


def test_symmetric_padding_stays_symmetric():
    net = planner.loads(
        "name: t\nframework: torch\ninput_shape: [2, 9, 9]\n"
        "layers: [{type: Conv2d, out_channels: 2, kernel_size: 3, padding: 1, name: c}]\n"
    )
    t = translate(net, "c", "keras")
    assert t.exact
    assert t.code == "layers.Conv2D(2, 3, padding='same', data_format='channels_first')"
    t = translate(net, "c", "onnx")
    assert t.exact and "SAME_UPPER" in t.code


def test_not_expressible_says_why():
    layer = {
        "type": "Conv2DTranspose",
        "filters": 2,
        "kernel_size": 3,
        "strides": 2,
        "padding": "same",
        "name": "up",
    }
    t = translate(keras_net(layer, 7), "up", "torch")
    assert not t.exact
    assert "crops the same amount on both sides" in t.reason


def test_translate_refuses_other_layers():
    with pytest.raises(planner.SolveError, match="translation covers"):
        translate(planner.load("vgg16"), "flatten", "torch")


def test_upsampling_translates():
    t = translate(planner.load("keras-autoencoder"), "up_sampling2d", "torch")
    assert t.exact and t.code == "nn.Upsample(scale_factor=2, mode='nearest')"
