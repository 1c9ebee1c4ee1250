"""Layer specs and networks: aliases, normalisation, names, strictness."""

from __future__ import annotations

import pytest

import planner
from planner.errors import SpecError
from planner.spec.layers import Conv
from planner.spec.loading import network_from_data
from planner.spec.values import Unknown


def net(layers, shape=(28, 28, 1), framework="keras", **extra):
    return network_from_data(
        {"name": "t", "framework": framework, "input_shape": list(shape), "layers": layers, **extra}
    )


def test_int_fields_expand_to_the_rank():
    n = net([{"type": "conv", "filters": 4, "kernel_size": 3, "strides": [2, 1]}])
    layer = n.layers[0]
    assert isinstance(layer, Conv)
    assert layer.kernel_size == (3, 3)
    assert layer.strides == (2, 1)
    assert layer.padding == "valid"


@pytest.mark.parametrize(
    ("layer", "field", "value"),
    [
        ({"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2}, "strides", (2, 2)),
        ({"type": "Conv2D", "filters": 4, "kernel": 5}, "kernel_size", (5, 5)),
        ({"type": "conv", "features": 4, "kernel_size": 3, "dilation_rate": 2}, "dilation", (2, 2)),
        (
            {"type": "conv", "filters": 4, "kernel_shape": 3, "dilations": [1, 2]},
            "dilation",
            (1, 2),
        ),
        ({"type": "MaxPool2d", "kernel_size": 2}, "pool_size", (2, 2)),
        ({"type": "max_pool", "window_shape": [3, 2]}, "pool_size", (3, 2)),
        ({"type": "Linear", "out_features": 10}, "units", 10),
    ],
)
def test_framework_spellings_are_aliases(layer, field, value):
    n = net([layer])
    assert getattr(n.layers[0], field) == value


def test_framework_class_names_map_to_types_and_presets():
    n = net(
        [
            {"type": "GlobalMaxPooling2D"},
        ]
    )
    assert n.layers[0].type == "global_pool"
    assert n.layers[0].op == "max"
    n = net([{"type": "LeakyReLU", "negative_slope": 0.2}])
    assert n.layers[0].type == "activation"
    assert n.layers[0].activation == "leakyrelu"


def test_names_are_generated_like_keras():
    n = net(
        [
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
            {"type": "MaxPooling2D", "pool_size": 2},
            {
                "type": "Conv2D",
                "filters": 4,
                "kernel_size": 3,
                "padding": "same",
                "name": "conv2d_2",
            },
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
        ]
    )
    assert n.layer_names == ["conv2d", "conv2d_1", "max_pooling2d", "conv2d_2", "conv2d_3"]
    assert [layer.inputs for layer in n.layers][:2] == [["input"], ["conv2d"]]


def test_generated_names_say_what_the_layer_does():
    layers = [
        {"type": "Pad", "pads": [1, 1, 1, 1], "mode": "reflect"},
        {"type": "Pad", "pads": [1, 1, 1, 1], "mode": "edge"},
        {"type": "Pad", "pads": [1, 1, 1, 1]},
        {"type": "GlobalAveragePool"},
    ]
    n = planner.Network.model_validate(
        {"framework": "onnx", "input_shape": [2, 8, 8], "layers": layers}
    )
    assert n.layer_names == [
        "reflection_padding2d",
        "replication_padding2d",
        "zero_padding2d",
        "global_average_pooling2d",
    ]
    adaptive = planner.Network.model_validate(
        {
            "framework": "keras",
            "input_shape": [8, 8, 2],
            "layers": [{"type": "global_pool", "output_size": [None, 3]}],
        }
    )
    assert adaptive.layer_names == ["adaptive_average_pooling2d"]


def test_duplicate_names_are_refused():
    with pytest.raises(SpecError, match="unique; repeated: a"):
        net([{"type": "relu", "name": "a"}, {"type": "relu", "name": "a"}])


def test_unknown_input_reference_names_the_layer_and_the_known_names():
    with pytest.raises(SpecError) as info:
        net([{"type": "relu", "name": "a"}, {"type": "add", "name": "m", "inputs": ["a", "b"]}])
    assert info.value.layer == "m"
    assert info.value.field == "inputs"
    assert "'b' is not a layer" in info.value.message
    assert "known so far: a, input" in info.value.message


def test_forward_references_are_refused():
    with pytest.raises(SpecError, match="comes later"):
        net([{"type": "relu", "name": "a", "inputs": ["b"]}, {"type": "relu", "name": "b"}])


def test_merges_need_two_inputs():
    with pytest.raises(SpecError, match="two or more inputs"):
        net([{"type": "concatenate"}])


def test_rank_implied_by_class_name_must_match_the_input():
    with pytest.raises(SpecError, match="'Conv3D' is 3D but the input shape"):
        net([{"type": "Conv3D", "filters": 1, "kernel_size": 3}])


@pytest.mark.parametrize(
    ("layer", "match"),
    [
        ({"type": "conv", "filters": 4, "kernel_size": 3, "kernal": 2}, r"unknown key 'kernal'"),
        (
            {"type": "conv", "filters": 4, "kernel_size": 0},
            r"'kernel_size' must be an integer >= 1",
        ),
        ({"type": "conv", "filters": 4, "kernel_size": [3, 3, 3]}, r"needs 1 or 2 values"),
        ({"type": "conv", "filters": 0, "kernel_size": 3}, r"greater than or equal to 1"),
        ({"type": "conv", "filters": 4, "kernel_size": True}, r"boolean"),
        ({"type": "Conv2", "filters": 4}, r"unknown layer type 'Conv2'; did you mean"),
        (
            {"type": "conv", "filters": 4, "kernel_size": 3, "padding": "smae"},
            r"unknown padding mode",
        ),
        ({"filters": 4}, r"needs a 'type'"),
    ],
)
def test_bad_layers_give_one_clear_error(layer, match):
    with pytest.raises(SpecError, match=match):
        net([layer])


def test_typo_suggests_the_nearest_key():
    with pytest.raises(SpecError, match="did you mean 'kernel_size'"):
        net([{"type": "conv", "filters": 4, "kernel_sise": 3}])


def test_negative_and_zero_input_sizes_are_refused():
    with pytest.raises(SpecError, match=">= 1"):
        net([], shape=(0, 28, 1))


@pytest.mark.parametrize(
    ("framework", "flat", "pairs"),
    [
        # PyTorch F.pad order: last axis first, (before, after) each.
        ("torch", [1, 2, 3, 4], ((3, 4), (1, 2))),
        # ONNX pads: all begins, then all ends.
        ("onnx", [1, 2, 3, 4], ((1, 3), (2, 4))),
    ],
)
def test_flat_padding_lists_follow_the_framework(framework, flat, pairs):
    n = net([{"type": "zero_padding", "padding": flat}], shape=(1, 8, 8), framework=framework)
    assert n.layers[0].padding == pairs


def test_flat_padding_is_ambiguous_for_keras():
    with pytest.raises(SpecError, match="ambiguous"):
        net([{"type": "zero_padding", "padding": [1, 2, 3, 4]}])


def test_unknowns_parse_inline_and_as_objects():
    n = net(
        [
            {"type": "conv", "filters": 4, "kernel_size": 3, "padding": "?p"},
            {"type": "conv", "filters": 4, "kernel_size": {"unknown": "k", "min": 1, "max": 7}},
        ]
    )
    assert n.layers[0].padding == ((Unknown("p"), Unknown("p")),) * 2
    assert n.layers[1].kernel_size == (Unknown("k", 1, 7),) * 2
    assert set(n.unknowns()) == {"p", "k"}


def test_bad_unknowns_are_refused():
    with pytest.raises(SpecError, match="min 4 > max 1"):
        net([{"type": "conv", "filters": 4, "kernel_size": {"unknown": "k", "min": 4, "max": 1}}])


def test_network_round_trips_through_plain_data():
    for name in planner.preset_names():
        original = planner.load(name)
        again = network_from_data(original.to_data())
        assert again == original


def test_upsample_size_means_factor_in_keras_and_output_size_in_torch():
    k = net([{"type": "UpSampling2D", "size": 2}])
    assert k.layers[0].scale == (2, 2) and k.layers[0].output_size is None
    t = net([{"type": "Upsample", "size": [10, 12]}], shape=(1, 5, 5), framework="torch")
    assert t.layers[0].output_size == (10, 12) and t.layers[0].scale is None


def test_pytorch_and_non_ascii_layer_names_in_unknowns_and_targets():
    import json
    import tempfile
    from pathlib import Path

    from click.testing import CliRunner

    from planner.cli import app

    text = (
        "framework: pytorch\ninput_shape: [1, 28, 28]\nlayers:\n"
        "  - {type: Conv2d, out_channels: 4, kernel_size: 3, padding: 0, name: features.0}\n"
        "  - {type: MaxPool2d, kernel_size: 2, name: features.1}\n"
        "  - {type: Conv2d, out_channels: 4, kernel_size: 3, name: décodeur}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "n.yaml"
        path.write_text(text, encoding="utf-8")
        args = ["solve", str(path), "-u", "features.0.padding=0..3", "-t", "décodeur=12"]
        out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    assert [s["values"] for s in json.loads(out.output)["solutions"]] == [{"features.0.padding": 1}]


def test_model_dump_is_the_plain_data_and_loads_back():
    for preset in ("unet-original", "unet-original-runtime-crop", "wavenet-1d"):
        n = planner.load(preset)
        again = planner.Network.model_validate(n.model_dump())
        assert again.layer_names == n.layer_names
        assert planner.infer(again).output_shape == planner.infer(n).output_shape
        assert planner.Network.model_validate_json(n.model_dump_json()).layers == again.layers
    with pytest.raises(TypeError, match="returns to_data"):
        n.model_dump(exclude_unset=True)


@pytest.mark.parametrize(
    ("framework", "layer", "field", "message"),
    [
        # A positive field beside the per-axis ones (ConvTranspose's input_dilation).
        ("jax", {"type": "conv_transpose", "filters": 4, "kernel_size": 3, "input_dilation": 0},
         "input_dilation", "must be an integer >= 1, received 0"),
        # Every per-axis field is expanded (and its length checked) before any sign.
        ("keras", {"type": "conv", "filters": 4, "kernel_size": 0, "strides": [1, 1, 1]},
         "strides", "needs 1 or 2 values"),
        ("keras", {"type": "conv", "filters": 4, "kernel_size": [3, 0]},
         "kernel_size", "must be an integer >= 1, received 0"),
        ("keras", {"type": "conv", "filters": 4, "kernel_size": 3, "dilation": "?d"},
         None, None),
    ],
)  # fmt: skip
def test_positive_fields_are_checked_after_expansion(framework, layer, field, message):
    if message is None:
        assert net([layer], framework=framework).layers[0].dilation[0] == Unknown("d")
        return
    with pytest.raises(SpecError, match=message) as err:
        net([layer], framework=framework)
    assert err.value.field == field
