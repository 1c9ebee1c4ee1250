"""Binary output (a PNG) written like ``planner.files.write_text`` writes text:
atomically, never over an existing file unless asked; ``-`` is standard output.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from planner.errors import FileError


def write_bytes(content: bytes, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``content`` to ``path`` atomically (a temporary file beside it, flushed
    and renamed over it); ``-`` writes to standard output."""
    if str(path) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return Path("-")
    target = Path(path)
    if os.path.lexists(target) and not overwrite:
        raise FileError(
            f"{target} exists; planner replaces a file only when told to (--force)",
            source=str(target),
            field="--output",
        )
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FileError(
            f"cannot write {target}: {exc.strerror or exc}", source=str(target)
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
