"""Keras models written directly in Keras (not by planner), imported from
``model.to_json()``, from a ``.keras`` archive, and from the Keras 2 connection
format, without importing Keras in the importer. Each imported network's shapes
equal Keras' own, layer by layer; import then export gives the same shapes and
parameter counts again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras
import pytest
from models.keras_models import blog_autoencoder, sequential_cnn, unet

import planner
from planner.errors import SpecError
from planner.importers import import_model
from planner.importers.keras_json import import_keras

MODELS = {"blog_autoencoder": blog_autoencoder, "unet": unet, "sequential": sequential_cnn}


def keras_shapes(model: Any) -> dict[str, tuple[int, ...]]:
    """Each layer's output shape as Keras reports it (single-call layers)."""
    out = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer" or len(layer._inbound_nodes) != 1:
            continue
        out[layer.name] = tuple(layer.output.shape[1:])
    return out


def check_against_keras(model: Any, result: Any) -> None:
    assert result.complete, result.problems
    plan = planner.infer(result.network)
    assert plan.ok, plan.first_error
    for name, shape in keras_shapes(model).items():
        assert plan[name].output_shape == shape, name
    assert plan.output_shape == tuple(model.outputs[0].shape[1:])


def legacy(config: dict[str, Any]) -> dict[str, Any]:
    """The Keras 2 form of a Keras 3 functional config: nested-list inbound nodes and
    ``batch_input_shape`` (Keras 3 reads both, which the test checks)."""
    config = json.loads(json.dumps(config))
    for layer in config["config"]["layers"]:
        conf = layer["config"]
        if "batch_shape" in conf:
            conf["batch_input_shape"] = conf.pop("batch_shape")
        nodes = []
        for node in layer.get("inbound_nodes", []):
            found: list[list[Any]] = []

            def walk(v: Any, found: list[list[Any]] = found) -> None:
                if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
                    name, node_index, tensor_index = v["config"]["keras_history"]
                    found.append([name, node_index, tensor_index, {}])
                elif isinstance(v, dict):
                    for x in v.values():
                        walk(x)
                elif isinstance(v, list):
                    for x in v:
                        walk(x)

            walk(node["args"])
            nodes.append(found)
        layer["inbound_nodes"] = nodes
    return config


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {name: make() for name, make in MODELS.items()}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_to_json(name: str, built: dict[str, Any], tmp_path: Path) -> None:
    model = built[name]
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    check_against_keras(model, import_model(str(path)))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_archive(name: str, built: dict[str, Any], tmp_path: Path) -> None:
    model = built[name]
    path = tmp_path / "model.keras"
    model.save(path)
    check_against_keras(model, import_model(str(path)))


@pytest.mark.parametrize("name", ["blog_autoencoder", "unet"])
def test_keras2_connection_format(name: str, built: dict[str, Any]) -> None:
    old = legacy(json.loads(built[name].to_json()))
    assert "keras_history" not in json.dumps(old) and "batch_input_shape" in json.dumps(old)
    # The oracle: Keras itself reads the legacy form into the same model.
    again = keras.models.model_from_json(json.dumps(old))
    assert keras_shapes(again) == keras_shapes(built[name])
    check_against_keras(again, import_keras(old))


def test_blog_autoencoder_is_the_preset(built: dict[str, Any]) -> None:
    result = import_keras(json.loads(built["blog_autoencoder"].to_json()))
    imported, preset = (
        planner.infer(result.network),
        planner.infer(planner.load("keras-autoencoder")),
    )
    assert [r.output_shape for r in imported.layers] == [r.output_shape for r in preset.layers]
    assert [r.params for r in imported.layers] == [r.params for r in preset.layers]


def test_shared_layer_is_one_layer_per_call(built: dict[str, Any]) -> None:
    model = built["unet"]
    result = import_keras(json.loads(model.to_json()))
    net = result.network
    assert "shared_1x1" in net.layer_names and "shared_1x1_call1" in net.layer_names
    assert any("shared_1x1 is called 2 times" in n for n in result.notes)
    shared = model.get_layer("shared_1x1").count_params()
    assert planner.infer(net).total_params == model.count_params() + shared


def test_free_sizes_become_symbols_and_input_overrides() -> None:
    model = keras.Sequential([keras.Input(shape=(None, None, 3)), keras.layers.Conv2D(4, 3)])
    config = json.loads(model.to_json())
    assert import_keras(config).data["input_shape"] == ["H", "W", 3]
    assert import_keras(config, [20, 21, 3]).network.input_shape == [20, 21, 3]


def test_unsupported_layer_is_named_and_the_rest_kept(built: dict[str, Any]) -> None:
    inputs = keras.Input(shape=(16, 16, 1))
    x = keras.layers.Conv2D(4, 3, name="c1")(inputs)
    x = keras.layers.Lambda(lambda t: t * 2, name="double")(x)
    x = keras.layers.Conv2D(4, 3, name="c2")(x)
    config = json.loads(keras.Model(inputs, x).to_json())
    result = import_keras(config)
    assert not result.complete
    assert [str(p) for p in result.problems] == [
        "double (Lambda): planner has no layer type for Keras Lambda",
        "c2 (Conv2D): its input double could not be imported",
    ]
    assert result.network.layer_names == ["c1"]


def test_importer_does_not_import_keras(built: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    built["blog_autoencoder"].save(path)
    code = (
        "import sys; from planner.importers import import_model; "
        f"r = import_model({str(path)!r}); print(len(r.network.layers)); "
        "print(sorted(m for m in ('keras', 'tensorflow', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["13", "[]"]


def test_not_a_keras_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"layers": []}')
    with pytest.raises(SpecError, match="not a Keras model config"):
        import_model(str(path))


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("target", ["keras", "torch"])
def test_import_then_export(name: str, target: str, built: dict[str, Any], tmp_path: Path) -> None:
    from test_export_source import (
        check_shapes,
        keras_code_report,
        load_code,
        plan_report,
        torch_code_report,
    )

    from planner.export import to_source

    net = import_keras(json.loads(built[name].to_json())).network
    module = load_code(to_source(net, target), tmp_path / "m.py")
    if target == "torch":
        report, _ = torch_code_report(net, module, "cpu")
    else:
        report, _ = keras_code_report(net, module)
    check_shapes(report, plan_report(net), net)
