"""``planner tui`` on the command line: bad arguments are one clear error, exit 2."""

from __future__ import annotations

from click.testing import CliRunner

from planner.cli import app

runner = CliRunner()


def test_unknown_network_is_a_clear_error():
    result = runner.invoke(app, ["tui", "no-such-net"])
    assert result.exit_code == 2
    assert "neither a file nor a preset" in result.output


def test_unknown_key_binding_is_a_clear_error():
    result = runner.invoke(app, ["tui", "unet-original", "--keymap", "file.sav=f2"])
    assert result.exit_code == 2
    assert "no key binding 'file.sav'" in result.output
    assert "file.save" in result.output


def test_keymap_reaches_the_app():
    from planner.tui import make_app, parse_keymap

    application = make_app("unet-original", keymap=parse_keymap(["file.save=f2"]))
    assert application.current_keymap["file.save"] == "f2"
