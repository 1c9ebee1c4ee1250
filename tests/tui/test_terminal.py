"""The real thing: ``planner tui`` in a tmux terminal, keys sent with ``send-keys``,
the screen read back with ``capture-pane``. Needs the ``tmux`` binary (a Debian
package: ``apt-get install tmux``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# A private tmux server, so the test neither sees nor disturbs the user's sessions.
SOCKET = f"planner-test-{uuid.uuid4().hex[:8]}"


def _tmux(*args: str) -> str:
    proc = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=True)
    return proc.stdout


def _wait_for(session: str, text: str, seconds: float = 40.0) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")


@pytest.fixture
def tmux_session(tmp_path):
    assert shutil.which("tmux"), "the terminal test needs tmux (apt-get install tmux)"
    name = f"planner-tui-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)


def _command(tmp_path: Path, net: str) -> str:
    env = {
        "PYTHONPATH": str(ROOT),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TERM": "xterm-256color",
    }
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    return f"cd {tmp_path} && env {exports} {sys.executable} -m planner tui {net}"


def _start(session: str, tmp_path: Path, net: str) -> None:
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", _command(tmp_path, net))


def test_planner_tui_in_a_real_terminal(tmux_session, tmp_path):
    _start(tmux_session, tmp_path, "unet-original")
    _wait_for(tmux_session, "(388, 388, 2)")
    # The input row is selected: e opens the form on the network's name,
    # tab moves to the input shape, ctrl+u clears it.
    _tmux("send-keys", "-t", tmux_session, "e")
    _wait_for(tmux_session, "Revert form")  # the form has the focus
    _tmux("send-keys", "-t", tmux_session, "Tab")
    time.sleep(1.0)
    _tmux("send-keys", "-t", tmux_session, "C-u")
    _tmux("send-keys", "-t", tmux_session, "-l", "588, 588, 1")
    _tmux("send-keys", "-t", tmux_session, "Enter")
    screen = _wait_for(tmux_session, "(404, 404, 2)")
    assert "(388, 388, 2)" not in screen
    # Kill the terminal without saving: the next start offers the edits back.
    kept = tmp_path / "cache" / "planner"
    deadline = time.monotonic() + 20
    while not (kept.is_dir() and any(kept.glob("*.json"))):
        assert time.monotonic() < deadline, "the unsaved edit was never kept"
        time.sleep(0.1)
    # respawn-pane -k kills the app's process as a closed terminal would, and starts
    # it again in the same pane.
    _tmux("respawn-pane", "-k", "-t", tmux_session, _command(tmp_path, "unet-original"))
    _wait_for(tmux_session, "Recover them?")
    _tmux("send-keys", "-t", tmux_session, "Enter")
    _wait_for(tmux_session, "(404, 404, 2)")
