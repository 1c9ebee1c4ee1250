"""Loading files and presets: every bad input is one located paragraph."""

from __future__ import annotations

import pytest

import planner
from planner.errors import SpecError

GOOD = """\
name: small
framework: torch
input_shape: [1, 28, 28]
layers:
  - type: Conv2d
    out_channels: 8
    kernel_size: 3
    padding: 1
  - type: MaxPool2d
    kernel_size: 2
"""


def test_loads_yaml_text():
    net = planner.loads(GOOD)
    assert net.framework == "torch"
    assert planner.infer(net).output_shape == (8, 14, 14)


def test_typo_names_file_line_layer_and_field(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(GOOD.replace("kernel_size: 2", "kernal_size: 2"))
    with pytest.raises(SpecError) as info:
        planner.load(path)
    e = info.value
    assert e.source == str(path)
    assert e.line == 10
    assert e.layer == "#2 (MaxPool2d)"
    assert "unknown key 'kernal_size'; did you mean 'kernel_size'?" in str(e)
    assert str(e).startswith(f"{path}:10, layer '#2 (MaxPool2d)'")


def test_invalid_yaml_reports_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nlayers: [\n  {type: conv\n")
    with pytest.raises(SpecError, match="invalid YAML") as info:
        planner.load(path)
    assert info.value.line is not None


def test_negative_size_in_a_file(tmp_path):
    path = tmp_path / "neg.yaml"
    path.write_text(GOOD.replace("[1, 28, 28]", "[1, -28, 28]"))
    with pytest.raises(SpecError, match=">= 1") as info:
        planner.load(path)
    assert info.value.line == 3


def test_unknown_preset_suggests_the_nearest():
    with pytest.raises(SpecError, match="Did you mean 'unet-original'"):
        planner.load("unet-orignal")


def test_missing_file():
    with pytest.raises(planner.FileError, match="no such file"):
        planner.load("does/not/exist.yaml")


def test_not_a_mapping():
    with pytest.raises(SpecError, match="a network is a mapping"):
        planner.loads("- 1\n- 2\n")


def test_every_preset_loads_and_runs():
    names = planner.preset_names()
    assert {
        "keras-autoencoder",
        "unet-original",
        "unet-same",
        "dcgan-generator",
        "dcgan-discriminator",
        "vgg16",
        "unet3d",
        "wavenet-1d",
    } <= set(names)
    for name in names:
        result = planner.infer(planner.load(name))
        assert result.ok, (name, result.first_error)


def test_unknown_keys_are_named_whatever_they_look_like():
    for key in ("input_s[hape", "int", "function-before[x]"):
        with pytest.raises(SpecError) as info:
            planner.loads(f"input_shape: [28, 28, 1]\n{key}: 3\nlayers: []\n")
        assert info.value.field == key and f"unknown key '{key}'" in str(info.value)


def test_errors_name_the_key_the_user_wrote():
    text = GOOD.replace("padding: 1", "padding: 1\n    dilation_rate: 0")
    with pytest.raises(SpecError) as info:
        planner.loads(text, source="net.yaml")
    assert info.value.field == "dilation_rate" and info.value.line == 9


def test_one_wrong_value_is_one_error():
    with pytest.raises(SpecError) as info:
        planner.loads(GOOD.replace("kernel_size: 3", "kernel_size: [null]"))
    e = info.value
    assert (e.layer, e.field, e.line) == ("#1 (Conv2d)", "kernel_size", 7)
    assert "received list [null]" in str(e)  # as YAML wrote it


def test_empty_and_non_mapping_documents():
    with pytest.raises(SpecError, match="received an empty document"):
        planner.loads("")
    with pytest.raises(SpecError, match="received int 3"):
        planner.loads("3")


def test_bounds_name_the_limit_and_line():
    from planner.spec.loading import MAX_DEPTH

    deep = "name: x\ninput_shape: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(SpecError, match=f"more than {MAX_DEPTH} levels") as info:
        planner.loads(deep, source="deep.yaml")
    assert info.value.line == 2 and info.value.source == "deep.yaml"


def test_bytes_are_read_as_utf8_text():
    assert planner.loads(GOOD.encode()).name == "small"
    with pytest.raises(SpecError, match="not UTF-8"):
        planner.loads(b"\xff\xfe")


def test_a_binary_file(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_bytes(b"name: x\n\xff\n")
    with pytest.raises(SpecError, match=r"not a UTF-8 text file \(byte 8 is 0xff\)"):
        planner.load(path)
