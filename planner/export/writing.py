"""Where generated files go: stdout, or a file written atomically by
:mod:`planner.files`, never over an existing file unless asked (``force``)."""

from __future__ import annotations

from pathlib import Path

from planner.files import write_bytes


def write_output(content: str | bytes, path: str | Path | None, force: bool = False) -> Path | None:
    """Write ``content`` to ``path`` atomically, or to stdout when ``path`` is ``None``
    or ``"-"``. Returns the path written, if any; an existing file is kept unless
    ``force`` (a ``FileError`` names it)."""
    if isinstance(content, str):
        content = (content if content.endswith("\n") else content + "\n").encode("utf-8")
    written = write_bytes("-" if path is None else path, content, overwrite=force)
    return None if str(written) == "-" else written
