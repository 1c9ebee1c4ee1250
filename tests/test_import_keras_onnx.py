"""ONNX files exported from Keras models (channels-last) imported as planner networks.

Keras 3 on the torch backend exports every layer between ``Transpose`` nodes
(NHWC -> NCHW before the op, back after it), adds the bias after moving channels
last and upsamples with ``Unsqueeze -> Expand -> Reshape``. The import reads the
graph channels-first; the oracles are ONNX Runtime's run of the same file (every
tensor the import maps to a layer) and the Keras model's own layer shapes and
parameter counts.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import planner
from planner.export import to_keras
from planner.importers import import_model
from planner.importers.onnx_graph import import_onnx


def keras_unet(upsample: str) -> Any:
    """A small U-Net written directly in Keras (functional API)."""
    from keras import layers

    inputs = keras.Input(shape=(24, 40, 3))
    d1 = layers.Conv2D(8, 3, padding="same", activation="relu", name="d1")(inputs)
    x = layers.MaxPooling2D(2, name="p1")(d1)
    d2 = layers.Conv2D(16, 3, padding="same", activation="relu", name="d2")(x)
    x = layers.MaxPooling2D(2, name="p2")(d2)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="mid")(x)
    for filters, skip in ((16, d2), (8, d1)):
        if upsample == "transpose":
            x = layers.Conv2DTranspose(filters, 2, strides=2, name=f"up{filters}")(x)
        else:
            x = layers.UpSampling2D(2, name=f"up{filters}")(x)
        x = layers.Concatenate(name=f"cat{filters}")([x, skip])
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"c{filters}")(x)
    outputs = layers.Conv2D(2, 1, activation="sigmoid", name="head")(x)
    return keras.Model(inputs, outputs)


def keras_1d() -> Any:
    from keras import layers

    inputs = keras.Input(shape=(30, 4))
    a = layers.Conv1D(6, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling1D(2)(a)
    x = layers.UpSampling1D(2)(layers.Conv1D(5, 3, padding="same")(x))
    outputs = layers.Concatenate()([x, a])
    return keras.Model(inputs, outputs)


def autoencoder() -> Any:
    return to_keras(planner.load("keras-autoencoder"))


MODELS = {
    "keras-autoencoder": autoencoder,
    "unet-upsampling": lambda: keras_unet("upsampling"),
    "unet-transpose": lambda: keras_unet("transpose"),
    "conv1d": keras_1d,
}


def export(model: Any, path: Path) -> Path:
    model(np.zeros((1, *model.input.shape[1:]), "float32"))  # export needs a built model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.export(str(path), format="onnx", verbose=False)
    return path


def ort_shapes(path: Path, tensors: list[str], shape: tuple[int, ...]) -> dict[str, tuple]:
    """Every listed tensor's shape (batch left out) as ONNX Runtime computes it."""
    model = onnx.load(str(path))
    known = {o.name for o in model.graph.output}
    for name in tensors:
        if name not in known:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: np.ones((1, *shape), "float32")}
    names = [o.name for o in session.get_outputs()]
    values = dict(zip(names, session.run(names, feed), strict=True))
    return {t: tuple(values[t].shape[1:]) for t in tensors}


def first(shape: tuple) -> tuple:
    """A channels-last shape (batch left out) in channels-first order."""
    return (shape[-1], *shape[:-1])


def channel_move(perm: list[int]) -> bool:
    """Whether ``perm`` moves the channel axis between last and first ([0, 3, 1, 2]...)."""
    rank = len(perm)
    middle = list(range(1, rank - 1))
    return rank >= 3 and perm in ([0, rank - 1, *middle], [0, *[m + 1 for m in middle], 1])


def distinct(shapes: list[tuple]) -> list[tuple]:
    """Consecutive repeats dropped (a Keras layer with an activation is two ONNX ops)."""
    return [s for i, s in enumerate(shapes) if i == 0 or s != shapes[i - 1]]


@pytest.fixture(scope="module", params=sorted(MODELS))
def exported(request: Any, tmp_path_factory: Any) -> tuple[Any, Path]:
    keras.utils.clear_session()
    model = MODELS[request.param]()
    return model, export(model, tmp_path_factory.mktemp("keras_onnx") / "model.onnx")


def test_import_matches_onnx_runtime_and_keras(exported: tuple[Any, Path]) -> None:
    model, path = exported
    result = import_onnx(path)
    assert result.complete, result.problems
    net = result.network
    keras_input = tuple(model.input.shape[1:])
    assert net.framework == "onnx"
    assert tuple(net.input_shape) == first(keras_input)
    plan = planner.infer(net)
    assert plan.ok, plan.first_error
    planned = {r.name: tuple(r.output_shape) for r in plan.layers}

    # ONNX Runtime: each layer's tensor, read channels-first or as its channels-last view.
    ran = ort_shapes(path, [result.origins[n] for n in net.layer_names], keras_input)
    last = 0
    for name in net.layer_names:
        shape, onnx_shape = planned[name], ran[result.origins[name]]
        if onnx_shape != shape:
            assert first(onnx_shape) == shape, (name, onnx_shape, shape)
            last += 1
    assert last > 0  # the Keras graph does run layers channels-last

    # Keras: its layers' outputs, in channels-first order, in the same sequence.
    keras_shapes = [
        first(tuple(layer.output.shape[1:]))
        for layer in model.layers
        if type(layer).__name__ not in ("InputLayer", "Dropout")
    ]
    assert distinct([planned[n] for n in net.layer_names]) == distinct(keras_shapes)
    assert plan.output_shape == first(tuple(model.output.shape[1:]))
    assert plan.total_params == model.count_params()

    # Layout Transposes are dropped, and said so.
    transposes = [
        n.name
        for n in onnx.load(str(path)).graph.node
        if n.op_type == "Transpose" and channel_move(list(n.attribute[0].ints))
    ]
    assert transposes
    note = next(n for n in result.notes if "layout changes" in n)
    for node in transposes:
        assert node.strip("/").replace("/", ".") in note
    assert not any(layer.type == "permute" for layer in net.layers)


def test_upsampling_is_one_layer_per_keras_layer(tmp_path: Path) -> None:
    keras.utils.clear_session()
    model = keras_unet("upsampling")
    net = import_model(str(export(model, tmp_path / "unet.onnx"))).network
    ups = [layer for layer in net.layers if layer.type == "upsample"]
    assert [list(u.scale) for u in ups] == [[2, 2], [2, 2]]
    assert [layer.type for layer in net.layers].count("concatenate") == 2


def test_other_transpose_is_a_permute_layer(tmp_path: Path) -> None:
    from keras import layers

    keras.utils.clear_session()
    inputs = keras.Input(shape=(12, 20, 3))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = layers.Permute((2, 1, 3), name="swap")(x)  # swaps H and W
    outputs = layers.Conv2D(5, 3, name="after")(x)
    model = keras.Model(inputs, outputs)
    path = export(model, tmp_path / "permute.onnx")
    result = import_onnx(path)
    assert result.complete, result.problems
    permutes = [layer for layer in result.network.layers if layer.type == "permute"]
    assert len(permutes) == 1
    plan = planner.infer(result.network)
    assert plan.ok, plan.first_error
    shapes = {r.name: tuple(r.output_shape) for r in plan.layers}
    assert shapes[permutes[0].name] == first(tuple(model.get_layer("swap").output.shape[1:]))
    assert plan.output_shape == first(tuple(model.output.shape[1:]))
    assert plan.total_params == model.count_params()
    ran = ort_shapes(path, [result.origins[permutes[0].name]], (12, 20, 3))
    assert first(ran[result.origins[permutes[0].name]]) == shapes[permutes[0].name]


def test_channels_last_op_planner_cannot_follow_is_named(tmp_path: Path) -> None:
    from keras import layers

    keras.utils.clear_session()
    inputs = keras.Input(shape=(8, 8, 3))
    x = layers.Conv2D(4, 3, name="conv")(inputs)
    outputs = layers.Reshape((36, 4), name="flat")(x)
    path = export(keras.Model(inputs, outputs), tmp_path / "reshape.onnx")
    result = import_onnx(path)
    assert not result.complete
    problem = result.problems[0]
    assert problem.op == "Reshape"
    assert "channels-last" in problem.reason
    assert [layer.type for layer in result.network.layers] == ["conv"]
