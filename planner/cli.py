"""The ``planner`` command line: parse, call the public API, print.

Exit status: 0 when answered, 1 when ``show`` finds an error in the network
(the report still lists every layer it could), 2 for bad input (file, YAML,
arguments). Errors are one paragraph on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

import planner
from planner.errors import PlannerError, SpecError

app = typer.Typer(
    name="planner",
    help="Plan convolutional networks and solve their shapes, exactly as each framework does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

NetArg = Annotated[
    str, typer.Argument(help="A preset name (see `planner presets`) or a YAML/JSON file.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]
FrameworkOpt = Annotated[
    str | None,
    typer.Option(
        "--framework", "-f", help="Use this framework's arithmetic: keras, torch, jax, onnx."
    ),
]
InputOpt = Annotated[
    str | None,
    typer.Option(
        "--input",
        "-i",
        help="Input shape without the batch axis, in the network's data format: "
        "572,572,1 or H,W,1 (symbols give formulas).",
    ),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"planner {planner.__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Plan convolutional networks and solve their shapes, exactly as each framework does."""


@contextmanager
def _guard() -> Iterator[None]:
    try:
        yield
    except PlannerError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    except OSError as exc:
        err.print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), markup=False)
        raise typer.Exit(2) from None


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def parse_shape(text: str) -> list[Any]:
    """``572,572,1`` -> ``[572, 572, 1]``; ``H,W,1`` -> ``["H", "W", 1]``."""
    dims: list[Any] = []
    for part in text.replace("x", ",").split(","):
        part = part.strip()
        if not part:
            raise SpecError(f"empty entry in shape {text!r}; write e.g. 572,572,1", field="--input")
        try:
            value: Any = int(part)
        except ValueError:
            from planner.spec.values import DIM_SYMBOL

            if not DIM_SYMBOL.match(part.lstrip("?")):
                raise SpecError(
                    f"{part!r} in shape {text!r} is neither a number nor a symbol like H",
                    field="--input",
                ) from None
            value = part
        if isinstance(value, int) and value < 1:
            raise SpecError(f"sizes must be >= 1, received {value} in {text!r}", field="--input")
        dims.append(value)
    return dims


def load_network(
    net: str, framework: str | None = None, shape: str | None = None
) -> planner.Network:
    """Load ``net``, optionally switching framework and input shape (re-validated)."""
    network = planner.load(net)
    if framework is None and shape is None:
        return network
    data = network.to_data()
    if framework is not None:
        data["framework"] = framework
        data["data_format"] = network.data_format
    if shape is not None:
        dims = parse_shape(shape)
        if len(dims) != len(network.input_shape):
            raise SpecError(
                f"--input {shape} has {len(dims)} axes; {network.name} takes "
                f"{len(network.input_shape)} ({network.data_format}, no batch axis), e.g. "
                + ",".join(str(d) for d in network.input_shape),
                field="--input",
            )
        data["input_shape"] = dims
    from planner.spec.loading import network_from_data

    return network_from_data(data, source=net)


@app.command()
def show(
    net: NetArg, input: InputOpt = None, framework: FrameworkOpt = None, json_: JsonOpt = False
) -> None:
    """Every layer's output shape, parameters and how each size arose."""
    with _guard():
        network = load_network(net, framework, input)
        result = planner.infer(network)
    if json_:
        _print_json(result.to_dict())
    else:
        from planner.report import summary

        out.print(summary(result))
    if not result.ok:
        raise typer.Exit(1)


UnknownOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--unknown",
        "-u",
        help="Make a field unknown: LAYER.FIELD[=LO..HI] (conv1.padding=0..3, input=64..1024, "
        "input.H=1..600, pool1.ceil_mode, conv3.padding for a valid/same choice). Repeatable.",
    ),
]
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        "-t",
        help="LAYER=N[,N] | LAYER=OTHER | output=input, optionally LAYER.AXIS=... Repeatable.",
    ),
]
ExactOpt = Annotated[
    bool, typer.Option("--exact", help="Also require that no strided layer drops pixels.")
]


@app.command()
def solve(
    net: NetArg,
    unknown: UnknownOpt = None,
    target: TargetOpt = None,
    exact: ExactOpt = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show the best N solutions.")] = 20,
    all_: Annotated[bool, typer.Option("--all", help="Show every solution.")] = False,
    time_budget: Annotated[
        float, typer.Option("--time", help="Give up (and say so) after this many seconds.")
    ] = 10.0,
    input: InputOpt = None,
    framework: FrameworkOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Find every value of the unknowns that meets the targets, best first."""
    from planner.solver import solve as run_solve

    with _guard():
        network = load_network(net, framework, input)
        with err.status("solving...", spinner="dots") if not json_ and err.is_terminal else _null():
            result = run_solve(
                network,
                target or [],
                unknowns=unknown or [],
                exact=exact,
                limit=None if all_ else limit,
                time_budget=time_budget,
            )
    if json_:
        _print_json(result.to_dict())
        return
    from planner.report import solve_report

    out.print(solve_report(result))


@app.command()
def inputs(
    net: NetArg,
    exact: ExactOpt = False,
    near: Annotated[
        int | None, typer.Option("--near", help="Also give the valid sizes nearest to N.")
    ] = None,
    framework: FrameworkOpt = None,
    json_: JsonOpt = False,
) -> None:
    """The input sizes for which the network runs and every skip aligns, in closed form."""
    from planner.solver import valid_inputs

    with _guard():
        network = load_network(net, framework, None)
        result = valid_inputs(network, exact=exact, near=near)
    if json_:
        _print_json(result.to_dict())
        return
    from planner.report import inputs_report

    out.print(inputs_report(result))


@app.command()
def fix(
    net: NetArg,
    target: TargetOpt = None,
    exact: ExactOpt = False,
    apply: Annotated[
        int | None, typer.Option("--apply", help="Apply fix ID (see the list) and write it.")
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Where --apply writes the fixed network.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Let --apply overwrite an existing file.")
    ] = False,
    input: InputOpt = None,
    framework: FrameworkOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Propose verified fixes for every mismatch; --apply ID -o FILE writes one."""
    from pathlib import Path

    from planner.fixes import fixes as run_fixes
    from planner.fixes import write_network

    with _guard():
        if apply is not None and output is None:
            raise SpecError("--apply needs -o FILE to write the fixed network to", field="--apply")
        if output is not None and apply is None:
            raise SpecError("-o FILE goes with --apply ID", field="--output")
        if output is not None and Path(output).exists() and not force:
            raise SpecError(
                f"{output} exists; planner does not overwrite files unless --force is given",
                field="--output",
            )
        network = load_network(net, framework, input)
        with (
            err.status("looking for fixes...", spinner="dots")
            if not json_ and err.is_terminal
            else _null()
        ):
            result = run_fixes(network, target or [], exact=exact)
        if apply is not None:
            chosen = result.get(apply)
            path = write_network(chosen.network, output)  # type: ignore[arg-type]
    if apply is not None:
        if json_:
            _print_json({"applied": chosen.to_dict(), "path": str(path)})
        else:
            out.print(f"Applied fix {chosen.id} ({chosen.summary}); wrote {path}", markup=False)
        return
    if json_:
        _print_json(result.to_dict())
        return
    from planner.report import fix_report

    out.print(fix_report(result))


@app.command()
def translate(
    net: NetArg,
    layer: Annotated[str, typer.Argument(help="The layer whose padding to translate.")],
    to: Annotated[str, typer.Option("--to", help="Target framework: keras, torch, jax, onnx.")],
    input: InputOpt = None,
    json_: JsonOpt = False,
) -> None:
    """The exact equivalent of a layer's padding in another framework, or why none exists."""
    from planner.translate import translate as run_translate

    with _guard():
        network = load_network(net, None, input)
        result = run_translate(network, layer, to.lower())
    if json_:
        _print_json(result.to_dict())
        return
    pads = ", ".join(f"{b}|{a}" for b, a in result.padding or [])
    out.print(f"{result.layer}: {result.source}; pads (before|after) {pads}", markup=False)
    if result.exact:
        out.print(f"{result.framework} (exact): {result.code}", markup=False)
    else:
        out.print(f"{result.framework}: not expressible. {result.reason}", markup=False)
    if result.note:
        out.print(f"note: {result.note}", markup=False)


@contextmanager
def _null() -> Iterator[None]:
    yield


@app.command()
def presets(json_: JsonOpt = False) -> None:
    """List the bundled preset networks."""
    with _guard():
        rows = []
        for name in planner.preset_names():
            net = planner.load(name)
            rows.append(
                {
                    "name": name,
                    "framework": net.framework,
                    "input_shape": net.input_shape,
                    "layers": len(net.layers),
                    "description": net.description or "",
                }
            )
    if json_:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table("Preset", "Framework", "Input", "Layers", "Description", header_style="bold")
    for row in rows:
        table.add_row(
            row["name"],
            row["framework"],
            ",".join(map(str, row["input_shape"])),
            str(row["layers"]),
            row["description"],
        )
    out.print(table)


@app.command()
def tui(
    net: Annotated[
        str | None,
        typer.Argument(help="A preset name, a YAML/JSON file, or nothing for a new network."),
    ] = None,
    keymap: Annotated[
        list[str] | None,
        typer.Option(
            "--keymap", "-k", help="Remap a key by binding id: file.save=f2 (see docs/tui.md)."
        ),
    ] = None,
) -> None:
    """Edit a network in a terminal UI: every shape updates as you edit; solve and fix in place."""
    from planner.tui import make_app, parse_keymap

    with _guard():
        application = make_app(net, keymap=parse_keymap(keymap or []))
    application.run()


@app.command()
def schema() -> None:
    """Print the JSON Schema of the network file format (for editor completion)."""
    from planner.spec.schema import network_schema

    sys.stdout.write(json.dumps(network_schema(), indent=2) + "\n")


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
