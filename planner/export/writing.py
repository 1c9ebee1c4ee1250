"""Where generated files go: stdout, or a file written atomically, never over an
existing file unless asked (``force``).

Until the project-wide atomic writer lands, this module keeps the one small
function the export, import and draw commands share.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from planner.errors import SpecError


def write_output(content: str | bytes, path: str | Path | None, force: bool = False) -> Path | None:
    """Write ``content`` to ``path`` atomically (a temporary file renamed over it), or to
    stdout when ``path`` is ``None`` or ``"-"``. Returns the path written, if any.

    An existing file is kept unless ``force``: ``SpecError`` names it.
    """
    if path is None or str(path) == "-":
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content if content.endswith("\n") else content + "\n")
        return None
    target = Path(path)
    if target.exists() and not force:
        raise SpecError(
            f"{target} exists; pass --force to overwrite it, or choose another -o path",
            field="-o",
        )
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
