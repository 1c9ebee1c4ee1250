"""Bundled preset networks, loadable by name (``unet-original``) or by path.

Presets live in the repository's top-level ``presets/`` folder; an installed wheel
carries them as ``planner/_presets``.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from planner.errors import SpecError


@functools.cache
def presets_dir() -> Path:
    """The folder of the bundled presets (found once: where planner is installed does
    not change while it runs)."""
    bundled = resources.files("planner") / "_presets"
    if bundled.is_dir():
        return Path(str(bundled))
    return Path(__file__).resolve().parent.parent / "presets"


def preset_names() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def preset_path(name: str) -> Path:
    path = presets_dir() / f"{name}.yaml"
    if not path.is_file():
        import difflib

        names = preset_names()
        guess = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        raise SpecError(
            f"{name!r} is neither a file nor a preset.{hint} Presets: {', '.join(names)}",
            source=name,
        )
    return path


def resolve(name_or_path: str | Path) -> Path:
    """A file path as given, or the bundled preset of that name."""
    p = Path(name_or_path)
    if p.suffix.lower() in (".yaml", ".yml", ".json") or p.exists():
        return p
    return preset_path(str(name_or_path))


def preset_summary(name: str) -> dict[str, Any]:
    """What ``planner presets`` lists about a preset: name, framework, input shape,
    layer count and description, read from its YAML without building the network
    (a listing should not pay for validating every preset; the presets are
    validated in the tests, which also check that this agrees with a full load).

    >>> info = preset_summary("unet-original")
    >>> info["framework"], info["input_shape"], info["layers"]
    ('keras', [572, 572, 1], 35)
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(preset_path(name).read_text(encoding="utf-8"), Loader=loader)
    layers = data.get("layers") or []
    return {
        "name": name,
        "framework": data.get("framework", "keras"),
        "input_shape": data.get("input_shape"),
        "layers": len(layers),
        "description": data.get("description") or "",
    }
