"""Files keep what the user wrote: atomic writes (mode, symlinks, clean failure) and
round-trip YAML (a fix changes only the fixed value; comments and spellings stay)."""

from __future__ import annotations

import difflib
import json
import os
import re
import stat

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.cli import app
from planner.files import network_text, update_document, write_network, write_text

runner = CliRunner()

# A hand-written Keras network: comments, flow and block items, quoting, framework
# spellings (Conv2D, MaxPooling2D, UpSampling2D with `size`, `strides`, tensorflow),
# and one mismatch: the 16-filter conv has no padding, so the output is 24, not 28.
HAND_WRITTEN = """\
# My autoencoder -- hand written, please keep my comments!
name: my-ae
framework: tensorflow   # I say tensorflow
input_shape: [28, 28, 1]
layers:
  # encoder
  - type: Conv2D
    filters: 16
    kernel_size: [3, 3]
    strides: 1
    padding: same       # keep the size
  - {type: MaxPooling2D, pool_size: 2, padding: same}
  - type: Conv2D
    filters: 8
    kernel_size: 3
    padding: 'same'
  - type: MaxPooling2D
    pool_size: [2, 2]
    padding: "same"
    name: encoded       # the bottleneck
  # decoder
  - {type: UpSampling2D, size: 2}
  - type: Conv2D
    filters: 8
    kernel_size: 3
    activation: relu
  - {type: UpSampling2D, size: [2, 2]}
  - type: Conv2D
    filters: 1
    kernel_size: 3
    padding: same
    name: decoded
"""

# The same kind of file for PyTorch: stride, out_channels, Upsample(size=...).
TORCH_WRITTEN = """\
name: tiny-torch  # channels first
framework: pytorch
input_shape: [3, 32, 32]
layers:
- type: Conv2d
  out_channels: 8
  kernel_size: 3
  stride: 2      # halve
  padding: 1
- {type: MaxPool2d, kernel_size: 2, stride: 2}
- type: Upsample
  size: [16, 16]
  mode: nearest
- {type: Conv2d, out_channels: 4, kernel_size: 1, name: head}
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The removed and the added lines of a line diff."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def edited(text: str, change) -> planner.Network:
    """The network of ``text`` with ``change(data)`` applied to its plain data."""
    data = planner.loads(text).to_data()
    change(data)
    return planner.load(data)


# --- round trip through `planner fix --apply` ----------------------------------------


def test_fix_apply_in_place_touches_only_the_fixed_value(tmp_path):
    path = tmp_path / "ae.yaml"
    path.write_text(HAND_WRITTEN)
    listed = runner.invoke(app, ["fix", str(path), "-t", "output=input", "--json"])
    fixes = {f["kind"]: f for f in json.loads(listed.stdout)["fixes"]}
    kernel = fixes["kernel"]
    assert kernel["summary"] == "set conv2d_2.kernel_size to 1 (was 3)"
    res = runner.invoke(
        app,
        [
            "fix",
            str(path),
            "-t",
            "output=input",
            "--apply",
            str(kernel["id"]),
            "-o",
            str(path),
            "--force",
        ],
    )
    assert res.exit_code == 0, res.output
    after = path.read_text()
    removed, added = changed_lines(HAND_WRITTEN, after)
    # The third Conv2D's block: only its kernel_size line changes.
    assert removed == ["    kernel_size: 3"] and added == ["    kernel_size: 1"]
    assert HAND_WRITTEN.splitlines().index("    activation: relu") == after.splitlines().index(
        "    activation: relu"
    )
    assert planner.infer(planner.load(path)).output_shape == (28, 28, 1)


def test_fix_apply_adds_a_key_and_inserts_a_layer_in_the_users_style(tmp_path):
    src = tmp_path / "ae.yaml"
    src.write_text(HAND_WRITTEN)
    listed = runner.invoke(app, ["fix", str(src), "-t", "output=input", "--json"])
    ids = {f["kind"]: f["id"] for f in json.loads(listed.stdout)["fixes"]}
    mode = tmp_path / "mode.yaml"
    res = runner.invoke(
        app,
        [
            "fix",
            str(src),
            "-t",
            "output=input",
            "--apply",
            str(ids["padding_mode"]),
            "-o",
            str(mode),
        ],
    )
    assert res.exit_code == 0, res.output
    removed, added = changed_lines(HAND_WRITTEN, mode.read_text())
    assert removed == [] and added == ["    padding: same"]
    padded = tmp_path / "pad.yaml"
    res = runner.invoke(
        app, ["fix", str(src), "-t", "output=input", "--apply", str(ids["pad"]), "-o", str(padded)]
    )
    assert res.exit_code == 0, res.output
    removed, added = changed_lines(HAND_WRITTEN, padded.read_text())
    assert removed == []
    assert added == ["  - type: zero_padding", "    name: output_pad", "    padding: 2"]
    assert planner.infer(planner.load(padded)).output_shape == (28, 28, 1)
    assert src.read_text() == HAND_WRITTEN


def test_fix_apply_to_stdout(tmp_path):
    src = tmp_path / "ae.yaml"
    src.write_text(HAND_WRITTEN)
    res = runner.invoke(app, ["fix", str(src), "-t", "output=input", "--apply", "2", "-o", "-"])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "-").exists() and not os.path.exists("-")
    assert res.stdout.startswith("# My autoencoder")
    assert planner.infer(planner.loads(res.stdout)).output_shape == (28, 28, 1)
    assert "wrote stdout" in res.stderr
    res = runner.invoke(
        app, ["fix", str(src), "-t", "output=input", "--apply", "2", "-o", "-", "--json"]
    )
    data = json.loads(res.stdout)
    assert data["path"] == "-" and data["text"].startswith("# My autoencoder")


def test_fix_apply_refuses_an_existing_file_without_force(tmp_path):
    src = tmp_path / "ae.yaml"
    src.write_text(HAND_WRITTEN)
    res = runner.invoke(
        app, ["fix", str(src), "-t", "output=input", "--apply", "1", "-o", str(src), "--json"]
    )
    assert res.exit_code == 2
    error = json.loads(res.stdout)["error"]
    assert error["field"] == "--output" and "--force" in error["message"]
    assert src.read_text() == HAND_WRITTEN


def test_fix_apply_force_keeps_mode_and_symlink(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text(HAND_WRITTEN)
    real.chmod(0o644)
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    res = runner.invoke(
        app,
        ["fix", str(link), "-t", "output=input", "--apply", "2", "-o", str(link), "--force"],
    )
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == real.name
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    assert real.read_text() != HAND_WRITTEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "real.yaml"]


# --- reconciliation ------------------------------------------------------------------


def test_torch_spellings_stay():
    def change(data):
        data["layers"][0]["strides"] = 1
        data["layers"][2]["output_size"] = [32, 32]
        data["layers"][3]["filters"] = 6

    new = edited(TORCH_WRITTEN, change)
    text = update_document(TORCH_WRITTEN, new)
    removed, added = changed_lines(TORCH_WRITTEN, text)
    assert removed == [
        "  stride: 2      # halve",
        "  size: [16, 16]",
        "- {type: Conv2d, out_channels: 4, kernel_size: 1, name: head}",
    ]
    assert added == [
        "  stride: 1      # halve",
        "  size: [32, 32]",
        "- {type: Conv2d, out_channels: 6, kernel_size: 1, name: head}",
    ]
    assert planner.loads(text).to_data() == new.to_data()


def test_keras_upsampling_size_and_list_shapes_stay():
    def change(data):
        data["layers"][6]["scale"] = 3  # the UpSampling2D written `size: [2, 2]`
        data["layers"][0]["kernel_size"] = 5  # written `kernel_size: [3, 3]`

    new = edited(HAND_WRITTEN, change)
    text = update_document(HAND_WRITTEN, new)
    removed, added = changed_lines(HAND_WRITTEN, text)
    assert removed == ["    kernel_size: [3, 3]", "  - {type: UpSampling2D, size: [2, 2]}"]
    assert added == ["    kernel_size: [5, 5]", "  - {type: UpSampling2D, size: [3, 3]}"]


def test_top_level_fields_removed_and_moved_layers():
    def change(data):
        data["name"] = "renamed"
        data["input_shape"] = [3, 64, 64]
        layers = data["layers"]
        layers.insert(0, layers.pop(1))  # the pool moves first
        del layers[2]  # the Upsample goes

    new = edited(TORCH_WRITTEN, change)
    text = update_document(TORCH_WRITTEN, new)
    assert planner.loads(text).to_data() == new.to_data()
    assert re.search(r"^name: renamed +# channels first$", text, re.M)
    assert "input_shape: [3, 64, 64]" in text
    assert "stride: 2      # halve" in text  # the conv kept its comment
    assert "Upsample" not in text


def test_anchors_and_merge_keys_take_the_general_path():
    text = """\
name: anchored   # shared settings below
input_shape: [16, 16, 1]
layers:
- &base {type: Conv2D, filters: 4, kernel_size: 3, padding: same, name: a}
- <<: *base
  name: b      # same as a
- {type: Conv2D, filters: 2, kernel_size: 1, name: c}
"""

    def change(data):
        data["layers"][1]["kernel_size"] = 5
        data["layers"][2]["filters"] = 3

    new = edited(text, change)
    out = update_document(text, new)
    assert planner.loads(out).to_data() == new.to_data()
    assert "# shared settings below" in out and "# same as a" in out
    assert "&base" in out and "<<: *base" in out
    removed, added = changed_lines(text, out)
    assert removed == ["- {type: Conv2D, filters: 2, kernel_size: 1, name: c}"]
    assert added == ["  kernel_size: 5", "- {type: Conv2D, filters: 3, kernel_size: 1, name: c}"]


def test_block_lists_and_quoted_strings():
    text = """\
name: q
framework: torch
input_shape: [1, 16, 16]
layers:
- type: Conv2d
  out_channels: 2
  kernel_size:
  - 3
  - 3
  padding: 'zeros_not_a_mode'
"""
    text = text.replace("  padding: 'zeros_not_a_mode'\n", "  padding_mode: 'zeros'\n")

    def change(data):
        data["layers"][0]["kernel_size"] = 5
        data["layers"][0]["padding_mode"] = "reflect"

    new = edited(text, change)
    out = update_document(text, new)
    assert planner.loads(out).to_data() == new.to_data()
    assert "padding_mode: 'reflect'" in out


def test_json_stays_json():
    original = json.dumps(planner.loads(TORCH_WRITTEN).to_data(), indent=4)
    new = edited(original, lambda d: d["layers"][0].update(padding=0))
    text = update_document(original, new)
    assert json.loads(text)["layers"][0]["padding"] == 0
    assert text.splitlines()[1].startswith('    "name"')


def test_unnamed_layers_get_names_only_when_needed():
    text = "input_shape: [8, 8, 1]\nlayers:\n- {type: Conv2D, filters: 2, kernel_size: 3}\n"

    def change(data):
        data["layers"].insert(0, {"type": "conv", "filters": 2, "kernel_size": 1})

    new = edited(text, change)
    out = update_document(text, new)
    assert planner.loads(out).to_data() == new.to_data()


def test_text_that_is_not_a_network_is_replaced_plainly():
    net = planner.load("keras-autoencoder")
    assert planner.loads(update_document("just: [a, list", net)).to_data() == net.to_data()
    assert network_text(net) == network_text(net, "")


layer_edits = st.lists(
    st.tuples(
        st.integers(0, 40),
        st.sampled_from(["kernel_size", "filters", "padding", "strides"]),
        st.sampled_from([1, 2, 3, 5, "same", "valid"]),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preset=st.sampled_from(["unet-original", "keras-autoencoder", "vgg16"]), edits=layer_edits)
def test_random_edits_of_presets_change_only_their_lines(preset, edits):
    from planner.presets import preset_path

    text = preset_path(preset).read_text()
    data = planner.loads(text).to_data()
    convs = [i for i, layer in enumerate(data["layers"]) if layer["type"] == "conv"]
    touched = set()
    for index, field, value in edits:
        if (field == "padding") != isinstance(value, str) or (field == "filters" and value == 0):
            continue
        layer = data["layers"][convs[index % len(convs)]]
        layer[field] = value
        touched.add(layer["name"] if "name" in layer else convs[index % len(convs)])
    try:
        new = planner.load(data)
    except planner.PlannerError:
        return
    out = update_document(text, new)
    assert planner.loads(out).to_data() == new.to_data()
    removed, added = changed_lines(text, out)
    assert len(removed) == len(added) <= len(touched) * 3
    assert all(line.startswith("#") is False for line in removed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    preset=st.sampled_from(["unet-original", "keras-autoencoder", "dcgan-generator", "unet3d"]),
    changes=st.lists(
        st.tuples(st.sampled_from(["insert", "delete", "rename"]), st.integers(0, 60)),
        min_size=1,
        max_size=3,
    ),
)
def test_random_layer_insertions_and_deletions(preset, changes):
    from planner.presets import preset_path

    text = preset_path(preset).read_text()
    data = planner.loads(text).to_data()
    for kind, index in changes:
        layers = data["layers"]
        at = index % len(layers)
        if kind == "insert":
            layers.insert(at, {"type": "activation", "activation": "relu", "name": f"new{index}"})
        elif kind == "delete" and len(layers) > 1:
            del layers[at]
        else:
            data["name"] = f"renamed-{index}"
    try:
        new = planner.load(data)
    except planner.PlannerError:
        return  # e.g. a deleted layer that another one takes as input
    out = update_document(text, new)
    assert planner.loads(out).to_data() == new.to_data()
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header == [line for line in out.splitlines() if line.startswith("#")][: len(header)]


# --- atomic writes -------------------------------------------------------------------


def test_write_text_keeps_mode_and_makes_new_files_with_the_umask(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_text(path, "new\n", overwrite=True)
    assert path.read_text() == "new\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    fresh = tmp_path / "b.yaml"
    umask = os.umask(0o022)
    try:
        write_text(fresh, "x\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


def test_write_text_refuses_to_overwrite_unless_told(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("mine\n")
    with pytest.raises(planner.FileError) as info:
        write_text(path, "theirs\n")
    assert info.value.field == "overwrite" and str(path) in str(info.value)
    assert path.read_text() == "mine\n"


def test_write_network_refuses_then_keeps_the_users_text(tmp_path):
    path = tmp_path / "ae.yaml"
    path.write_text(HAND_WRITTEN)
    net = edited(HAND_WRITTEN, lambda d: d["layers"][5].update(padding="same"))
    with pytest.raises(planner.FileError, match="overwrite=True"):
        planner.write_network(net, path)
    planner.write_network(net, path, overwrite=True)
    removed, added = changed_lines(HAND_WRITTEN, path.read_text())
    assert removed == [] and added == ["    padding: same"]


def test_write_failure_names_the_real_file_and_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("old\n")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(planner.FileError) as info:
        write_text(path, "new\n", overwrite=True)
    message = str(info.value)
    assert str(path) in message and "No space left on device" in message
    assert ".tmp" not in message
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]
    assert path.read_text() == "old\n"


def test_write_errors_name_directories(tmp_path):
    with pytest.raises(planner.FileError, match="does not exist"):
        write_text(tmp_path / "missing" / "a.yaml", "x")
    with pytest.raises(planner.FileError, match="is a directory"):
        write_text(tmp_path, "x", overwrite=True)


def test_write_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to("target.yaml")
    write_text(link, "x\n", overwrite=True)
    assert link.is_symlink() and (tmp_path / "target.yaml").read_text() == "x\n"


def test_dash_means_stdout(capsys):
    net = planner.load("keras-autoencoder")
    write_network(net, "-")
    out = capsys.readouterr().out
    assert planner.loads(out).to_data() == net.to_data()
    assert not os.path.exists("-")


def test_write_network_argument_types(tmp_path):
    with pytest.raises(planner.ArgumentError, match="received int 3"):
        write_network(3, tmp_path / "x.yaml")  # type: ignore[arg-type]
    with pytest.raises(planner.ArgumentError, match="field 'path'"):
        write_network(planner.load("vgg16"), 7)  # type: ignore[arg-type]


def test_a_new_json_file_gets_json(tmp_path):
    net = planner.load("keras-autoencoder")
    path = write_network(net, tmp_path / "ae.json")
    assert planner.load(json.loads(path.read_text())).to_data() == net.to_data()
