"""Fixes: every kind offered where it works, each verified, applied atomically."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

import planner
from planner.cli import app
from planner.files import write_network
from planner.fixes import fixes
from planner.spec.loading import network_from_data


def broken_autoencoder():
    data = planner.load("keras-autoencoder").to_data()
    data["layers"][10]["padding"] = "same"
    return network_from_data(data)


def unet_570():
    data = planner.load("unet-original").to_data()
    data["input_shape"] = [570, 570, 1]
    return network_from_data(data)


def test_autoencoder_fixes_cover_mode_input_and_crop():
    result = fixes(broken_autoencoder(), ["output=input"])
    assert [m.layer for m in result.mismatches] == ["decoded"]
    summaries = [f.summary for f in result.fixes]
    assert summaries[0] == "set conv2d_5.padding to 'valid' (was same)"
    assert "input size 32 (was 28)" in summaries
    assert "crop the output by 2|2" in summaries
    for f in result.fixes:
        assert f.output_shape[:2] == planner.infer(f.network).output_shape[:2]
        result_after = fixes(f.network, ["output=input"])
        assert result_after.mismatches == [], f.summary


def test_unet_fixes_align_every_skip():
    result = fixes(unet_570())
    kinds = {f.kind for f in result.fixes}
    assert {"padding_mode", "input", "crop", "pad"} <= kinds
    inputs = [f.summary for f in result.fixes if f.kind == "input"]
    assert inputs == ["input size 572 (was 570)", "input size 556 (was 570)"]
    crop = next(f for f in result.fixes if f.kind == "crop")
    assert "crop crop6 by 0|1 before merge6" in crop.summary
    for f in result.fixes:
        assert planner.infer(f.network).ok


def test_nothing_to_fix():
    result = fixes(planner.load("unet-original"))
    assert result.mismatches == [] and result.fixes == []


def test_write_is_atomic_and_round_trips(tmp_path):
    result = fixes(unet_570())
    path = write_network(result.fixes[0].network, tmp_path / "fixed.yaml")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    again = planner.load(path)
    assert planner.infer(again).output_shape == result.fixes[0].output_shape


def test_cli_fix_json_and_apply(tmp_path):
    runner = CliRunner()
    src = tmp_path / "ae.yaml"
    src.write_text(yaml.safe_dump(broken_autoencoder().to_data(), sort_keys=False))
    res = runner.invoke(app, ["fix", str(src), "--target", "output=input", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["mismatches"][0]["layer"] == "decoded"
    assert {"id", "kind", "summary", "output_shape"} <= set(data["fixes"][0])
    out = tmp_path / "fixed.yaml"
    res = runner.invoke(
        app, ["fix", str(src), "-t", "output=input", "--apply", "1", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    fixed = planner.load(out)
    assert planner.infer(fixed).output_shape == (28, 28, 1)
    # Never overwrite without --force; nothing the user saved is lost.
    before = out.read_text()
    res = runner.invoke(
        app, ["fix", str(src), "-t", "output=input", "--apply", "2", "-o", str(out)]
    )
    assert res.exit_code == 2 and "exists" in res.output and out.read_text() == before
    res = runner.invoke(
        app,
        ["fix", str(src), "-t", "output=input", "--apply", "99", "-o", str(tmp_path / "x.yaml")],
    )
    assert res.exit_code == 2 and "there is no fix 99" in res.output


@pytest.mark.parametrize("args", [["--apply", "1"], ["-o", "x.yaml"]])
def test_cli_fix_apply_needs_both(args):
    res = CliRunner().invoke(app, ["fix", "unet-original", *args])
    assert res.exit_code == 2
