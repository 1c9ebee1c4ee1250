"""``import planner`` must not import heavy frameworks or the shells' libraries, and a
numeric question must not import sympy or the solver (each check in a fresh process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "keras", "jax", "flax", "onnx", "onnxruntime", "textual", "typer", "click")
ROOT = Path(__file__).resolve().parent.parent
SYMBOLIC = ("sympy", "planner.solver", "planner.fixes", "planner.translate")


def _loaded_after(code: str, watched: tuple[str, ...]) -> list[str]:
    """The modules of ``watched`` that are in ``sys.modules`` after running ``code``."""
    probe = f"import sys\n{code}\nprint(','.join(m for m in {watched!r} if m in sys.modules))\n"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [m for m in proc.stdout.strip().split(",") if m]


def test_import_planner_stays_light():
    code = "import planner\nnet = planner.load('unet-original'); planner.infer(net)"
    assert _loaded_after(code, HEAVY) == []


def test_import_planner_imports_no_sympy_nor_solver():
    assert _loaded_after("import planner", SYMBOLIC + HEAVY) == []


@pytest.mark.parametrize("name", ["unet-original", "keras-autoencoder"])
def test_numeric_inference_imports_no_sympy(name):
    """Load, infer and render a concrete network (what ``show`` does) on ints alone;
    the answer is still the right one (the output shape checked in the same process)."""
    code = (
        "import planner\n"
        f"net = planner.load({name!r}); result = planner.infer(net)\n"
        "assert result.ok, result.first_error\n"
        "import json; json.dumps(result.to_dict())\n"
        "assert all(type(d) is int for d in result.output_shape), result.output_shape\n"
    )
    assert _loaded_after(code, SYMBOLIC) == []


def test_reading_a_network_file_imports_no_yaml():
    """A file in the plain YAML subset is read without PyYAML (``show``'s cold start),
    and building the validator does not import what pydantic's plugin search needs;
    text outside the subset still goes to PyYAML."""
    code = "import planner\nplanner.infer(planner.load('unet-original'))"
    watched = ("yaml", "difflib", "importlib.metadata", "pydantic.plugin._loader")
    assert _loaded_after(code, watched) == []
    code = "import planner\nplanner.loads('name: n\\ninput_shape: [8, 8, 1]\\nlayers: !!seq []\\n')"
    assert _loaded_after(code, ("yaml",)) == ["yaml"]


def test_symbolic_inference_still_uses_sympy():
    """The other side of the switch: a symbolic size imports sympy and gives a formula."""
    code = (
        "import planner\n"
        "net = planner.load('keras-autoencoder')\n"
        "out = planner.infer(net, input_shape=['H', 'W', 1]).output_shape\n"
        "assert str(out[0]) == '8*ceiling(H/8) - 4', out\n"
    )
    assert _loaded_after(code, ("sympy",)) == ["sympy"]


def test_public_names_resolve_lazily():
    """Every name in ``planner.__all__`` is reachable, and ``dir(planner)`` lists it."""
    import planner

    for name in planner.__all__:
        assert getattr(planner, name) is not None, name
        assert name in dir(planner), name
    with pytest.raises(AttributeError, match="no_such_name"):
        planner.no_such_name  # noqa: B018


def test_submodule_import_keeps_public_functions():
    """``planner.fixes`` and ``planner.translate`` are functions even after something
    imports the submodules of the same names (as the CLI does)."""
    code = (
        "import planner, planner.fixes, planner.translate\n"
        "assert callable(planner.fixes) and callable(planner.translate)\n"
        "net = planner.load('docs/examples/autoencoder-same.yaml')\n"
        "found = planner.fixes(net, ['output=input']).fixes\n"
        "assert planner.infer(found[0].network).output_shape == (28, 28, 1)\n"
    )
    assert _loaded_after(code, ("planner.solver",)) == ["planner.solver"]


def _cli_loaded_after(args: list[str], watched: tuple[str, ...]) -> list[str]:
    """The modules of ``watched`` loaded by the time the CLI finished ``args``."""
    code = (
        "import sys, contextlib, io\n"
        f"sys.argv = ['planner', *{args!r}]\n"
        "from planner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main()"
    )
    return _loaded_after(code, watched)


@pytest.mark.parametrize(
    ("args", "watched"),
    [
        (["--help"], ("rich", "pydantic", "yaml", "sympy", "planner.shapes")),
        (["show", "--help"], ("rich", "pydantic", "yaml", "sympy", "planner.shapes")),
        (["--version"], ("rich", "pydantic", "yaml", "sympy", "planner.shapes")),
        # The listing reads the presets' YAML: no validation, so no pydantic at all.
        (["presets"], ("pydantic", "planner.spec.network", "sympy", "planner.shapes")),
        (["presets", "--json"], ("rich", "pydantic", "sympy", "planner.shapes")),
        (["show", "unet-original"], SYMBOLIC),
        (["show", "unet-original", "--json"], ("rich", *SYMBOLIC)),
    ],
)
def test_cli_imports_only_what_the_command_needs(args, watched):
    assert _cli_loaded_after(args, watched) == []


def test_preset_summary_agrees_with_a_full_load():
    """``planner presets`` reads the YAML without validating; every figure it lists
    must be what the validated network says."""
    import planner
    from planner.presets import preset_summary

    for name in planner.preset_names():
        net = planner.load(name)
        assert preset_summary(name) == {
            "name": name,
            "framework": net.framework,
            "input_shape": net.input_shape,
            "layers": len(net.layers),
            "description": net.description or "",
        }


@pytest.mark.parametrize("args", [["unet-original"], ["unet-original", "--cost", "--rf"]])
def test_show_writes_its_table_without_rich(args):
    """``planner show`` writes its report with ``planner.summary_text`` (the same text as
    rich's, tests/test_summary_text.py): rich is not imported, nor sympy or the solver."""
    code = (
        "import contextlib, io, runpy\n"
        f"sys.argv = ['planner', 'show', *{args!r}]\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    runpy.run_module('planner', run_name='__main__')\n"
        "assert 'Total params: 31,030,658' in out.getvalue(), out.getvalue()\n"
    )
    assert _loaded_after(code, ("rich", *SYMBOLIC)) == []
