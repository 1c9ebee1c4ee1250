"""The ``planner`` command line: parse, call the public API, print.

Exit status:

- 0: answered;
- 1: ``show`` found an error in the network (the report still lists every layer);
- 2: bad input (file, YAML, arguments, options): one paragraph on stderr naming the
  file, line, layer and field, what was received and what would be valid;
- 3: an internal error, a bug in planner: a one-paragraph report on stderr with the
  planner version, the command line and how to report it (``PLANNER_DEBUG=1``
  shows the traceback instead);
- 130: stopped by Ctrl-C (one line on stderr).

Never a traceback. With ``--json``, an error (exit 2 or 3) is also printed on stdout
as one object, ``{"error": {"type", "message", "layer", "field", "source", "line",
"hints"}}`` (fields that do not apply are null), so scripts need not parse stderr.
``-o -`` writes to stdout wherever a command takes ``-o``; files are written
atomically, and only with ``--force`` over an existing file (see ``planner.files``).

All of this lives in ``PlannerGroup.invoke``, around every command: a new command
only raises ``PlannerError`` for bad input and writes files with ``emit``.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

import planner
from planner.errors import FileError, PlannerError, SpecError


class HelpArgument(click.Argument):
    """A positional argument with a help text, listed under "Arguments" in ``--help``
    (click lists only options)."""

    def __init__(self, *args: Any, help: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = help

    def help_record(self, ctx: click.Context) -> tuple[str, str]:
        extra = "  [required]" if self.required else ""
        return self.human_readable_name, f"{self.help}{extra}"


class PlannerCommand(click.Command):
    """A command whose ``--help`` lists its arguments with their help, then its options."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [p.help_record(ctx) for p in self.get_params(ctx) if isinstance(p, HelpArgument)]
        if rows:
            with formatter.section("Arguments"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)


class PlannerGroup(click.Group):
    """Runs every command inside planner's error contract (module docstring), and
    lists the commands in the order they are defined."""

    command_class = PlannerCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["planner.argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        argv = ctx.meta.get("planner.argv", [])
        json_mode = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
        try:
            with _guard():
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            name = next((a for a in argv if not a.startswith("-")), "")
            err.print(
                f"interrupted: planner {name} stopped by Ctrl-C".replace("  ", " "), markup=False
            )
            raise click.exceptions.Exit(130) from None
        except click.ClickException as exc:  # a usage error: click prints it, exit 2
            if json_mode:
                _print_json({"error": _usage_error(exc)})
            raise
        except PlannerError as exc:
            err.print(f"error: {exc}", markup=False, soft_wrap=True)
            if json_mode:
                _print_json({"error": exc.to_dict()})
            raise click.exceptions.Exit(2) from None
        except Exception as exc:
            if os.environ.get("PLANNER_DEBUG"):
                raise
            message = internal_error_report(exc, argv)
            err.print(message, markup=False, soft_wrap=True)
            if json_mode:
                _print_json({"error": _internal_error(exc, message)})
            raise click.exceptions.Exit(3) from None


def internal_error_report(exc: BaseException, argv: list[str]) -> str:
    """One paragraph for a bug in planner: what failed, where, and how to report it."""
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        path = tb.tb_frame.f_code.co_filename
        root = os.path.dirname(os.path.dirname(os.path.abspath(planner.__file__)))
        where = f" at {os.path.relpath(path, root) if path.startswith(root) else path}"
        where += f":{tb.tb_lineno}"
    detail = str(exc) or "no message"
    return (
        f"internal error: planner {planner.__version__} failed with "
        f"{type(exc).__name__} ({detail}){where} while running "
        f"`{shlex.join(['planner', *argv])}`. This is a bug in planner, not a problem "
        "with your input. Please report it to the planner maintainers with this "
        "paragraph and the network file; run again with PLANNER_DEBUG=1 for the traceback."
    )


def _internal_error(exc: BaseException, message: str) -> dict[str, Any]:
    return {
        "type": "InternalError",
        "message": message,
        "layer": None,
        "field": None,
        "source": None,
        "line": None,
        "hints": [f"{type(exc).__name__}: {exc}"],
    }


def _usage_error(exc: click.ClickException) -> dict[str, Any]:
    param = getattr(exc, "param", None)
    field = None
    if param is not None:
        opts = getattr(param, "opts", None) or [param.name]
        field = opts[0]
    return {
        "type": "UsageError",
        "message": exc.format_message() if hasattr(exc, "format_message") else str(exc),
        "layer": None,
        "field": field,
        "source": None,
        "line": None,
        "hints": ["see --help"],
    }


def _complete_network(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of a network argument: the preset names, then files."""
    from click.shell_completion import CompletionItem

    names = [CompletionItem(n) for n in planner.preset_names() if n.startswith(incomplete)]
    return [*names, CompletionItem(incomplete, type="file")]


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"planner {planner.__version__}")
        ctx.exit()


@click.group(
    "planner",
    cls=PlannerGroup,
    no_args_is_help=True,
    context_settings={"show_default": True},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Print the version.",
)
def app() -> None:
    """Plan convolutional networks and solve their shapes, exactly as each framework does."""


class _LazyConsole:
    """A rich ``Console`` made on first use: ``--help``, ``--json`` and the commands
    that print plain text never pay for importing rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


out: Any = _LazyConsole(highlight=False, soft_wrap=False)
err: Any = _LazyConsole(stderr=True, highlight=False)

# The parameters several commands share (a click decorator makes a new parameter
# each time it is applied).
net_arg = click.argument(
    "net",
    cls=HelpArgument,
    shell_complete=_complete_network,
    help="A preset name (see `planner presets`) or a YAML/JSON file.",
)
json_opt = click.option(
    "--json", "json_", is_flag=True, help="Print one JSON object instead of a table."
)
framework_opt = click.option(
    "--framework", "-f", help="Use this framework's arithmetic: keras, torch, jax, onnx."
)
input_opt = click.option(
    "--input",
    "-i",
    help="Input shape without the batch axis, in the network's data format: "
    "572,572,1 or H,W,1 (symbols give formulas).",
)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn an operating-system error into a ``FileError`` naming the file (every
    command runs inside it; ``PlannerGroup`` reports what comes out)."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, PlannerError):
            raise
        name = exc.filename or "a file"
        raise FileError(f"cannot use {name}: {exc.strerror or exc}", source=exc.filename) from None


def _print_json(data: Any) -> None:
    from planner.json_text import dumps  # json.dumps(data, indent=2), faster

    sys.stdout.write(dumps(data) + "\n")


output_opt = click.option("--output", "-o", help="Write to this file ('-' for stdout).")
force_opt = click.option("--force", is_flag=True, help="Let -o overwrite an existing file.")


def check_output(output: str | None, force: bool) -> None:
    """Refuse an existing ``-o`` file without ``--force`` before any work is done."""
    if output is not None and output != "-" and os.path.lexists(output) and not force:
        raise FileError(
            f"{output} exists; planner does not overwrite files unless --force is given",
            source=output,
            field="--output",
        )


def emit(text: str, output: str | None, force: bool = False) -> str:
    """Print ``text`` to stdout (no ``-o``, or ``-o -``) or write it atomically to
    the ``-o`` file; returns where it went."""
    from planner.files import write_text

    if output is None or output == "-":
        sys.stdout.write(text)
        return "-"
    check_output(output, force)
    return str(write_text(output, text, overwrite=force))


def parse_shape(text: str) -> list[Any]:
    """``572,572,1`` -> ``[572, 572, 1]``; ``H,W,1`` -> ``["H", "W", 1]``; without
    commas ``x`` separates (``572x572x1``)."""
    dims: list[Any] = []
    parts = text.split(",") if "," in text else text.split("x")
    example = "write sizes separated by commas, e.g. 572,572,1 or H,W,1"
    for number, part in enumerate(parts, 1):
        part = part.strip()
        if not part:
            raise SpecError(
                f"entry {number} of the shape {text!r} is empty; {example}", field="--input"
            )
        try:
            value: Any = int(part)
        except ValueError:
            from planner.spec.values import DIM_SYMBOL

            if not DIM_SYMBOL.match(part.lstrip("?")):
                raise SpecError(
                    f"{part!r} (entry {number} of the shape {text!r}) is neither a number nor "
                    f"a symbol like H; {example}",
                    field="--input",
                ) from None
            value = part
        if isinstance(value, int) and value < 1:
            raise SpecError(
                f"sizes must be >= 1, received {value} (entry {number} of {text!r})",
                field="--input",
            )
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


def source_text(net: str) -> str:
    """The text of the network file or preset ``net``, so that a command writing the
    network back keeps what was written there (comments, order, spellings)."""
    from planner.presets import resolve
    from planner.spec.loading import read_text

    return read_text(resolve(net))


dtype_opt = click.option(
    "--dtype",
    default="float32",
    help="Element type for memory: float32, float16, bfloat16, ...",
)
batch_opt = click.option("--batch", type=int, default=1, help="Batch size for memory figures.")


@app.command()
@net_arg
@input_opt
@framework_opt
@json_opt
@click.option("--cost", is_flag=True, help="Add MACs and activation-memory columns, and totals.")
@click.option("--rf", is_flag=True, help="Add receptive-field and jump columns (input pixels).")
@dtype_opt
@batch_opt
def show(
    net: str,
    input: str | None,
    framework: str | None,
    json_: bool,
    cost: bool,
    rf: bool,
    dtype: str,
    batch: int,
) -> None:
    """Every layer's output shape, parameters and how each size arose."""
    from planner.collector import rarely

    with _guard(), rarely():
        network = load_network(net, framework, input)
        result = planner.infer(network)
        costs = _show_costs(result, json_ or cost or rf, dtype, batch)
        if json_:
            _print_json(costs.to_dict() if costs is not None else result.to_dict())
        else:
            from planner.summary import summary_of

            _print_summary(summary_of(result, costs, macs=cost, rf=rf))
    if not result.ok:
        raise click.exceptions.Exit(1)


def _print_summary(report: Any) -> None:
    """Write ``show``'s report as rich prints it: without rich when
    ``planner.summary_text`` draws it exactly (nearly always), else through rich."""
    from planner.summary_text import console_for, summary_text

    console = console_for(sys.stdout)
    text = summary_text(report, console) if console is not None else None
    if text is None:
        from planner.report import summary_group

        out.print(summary_group(report))
    else:
        sys.stdout.write(text)


def _show_costs(result: Any, wanted: bool, dtype: str, batch: int) -> Any:
    """``planner.cost`` of the inference when a cost column or JSON is wanted."""
    if not wanted:
        return None
    from planner.costs import cost

    return cost(result, dtype=dtype, batch=batch)


def _as_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    """A repeatable option's values as a list (empty when it is not given)."""
    return list(value)


unknown_opt = click.option(
    "--unknown",
    "-u",
    multiple=True,
    callback=_as_list,
    help="Make a field unknown: LAYER.FIELD[=LO..HI] or LAYER.FIELD=A,B,C (conv1.padding=0..3, "
    "conv1.kernel_size=3,5,7, pool1.strides=default,1,2, input=64..1024, input.H=1..600, "
    "pool1.ceil_mode, conv3.padding for a valid/same choice). Repeatable.",
)
target_opt = click.option(
    "--target",
    "-t",
    multiple=True,
    callback=_as_list,
    help="LAYER=N[,N] | LAYER=OTHER | output=input, optionally LAYER.AXIS=... Repeatable.",
)
exact_opt = click.option(
    "--exact", is_flag=True, help="Also require that no strided layer drops pixels."
)
time_opt = click.option(
    "--time",
    "time_budget",
    type=float,
    default=10.0,
    help="Seconds the search may take; past them it stops and says how far it got.",
)


def _check_limits(limit: int | None, time_budget: float) -> None:
    """``-n`` and ``--time`` must be positive (a clear error, not a traceback)."""
    from planner.errors import SolveError

    if limit is not None and limit < 1:
        raise SolveError(
            f"-n/--limit must be 1 or more (or --all for every solution); received {limit}",
            field="--limit",
        )
    if not time_budget > 0 or time_budget == float("inf"):
        raise SolveError(
            f"--time must be a number of seconds > 0; received {time_budget}", field="--time"
        )


@contextmanager
def _interruptible(command: str) -> Iterator[None]:
    """Ctrl-C: one line on stderr and exit status 130, never a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(f"interrupted: planner {command} stopped by Ctrl-C", markup=False)
        raise click.exceptions.Exit(130) from None


@app.command()
@net_arg
@unknown_opt
@target_opt
@exact_opt
@click.option("--limit", "-n", type=int, default=20, help="Show the best N solutions.")
@click.option("--all", "all_", is_flag=True, help="Show every solution.")
@time_opt
@input_opt
@framework_opt
@json_opt
@dtype_opt
@batch_opt
def solve(
    net: str,
    unknown: list[str],
    target: list[str],
    exact: bool,
    limit: int,
    all_: bool,
    time_budget: float,
    input: str | None,
    framework: str | None,
    json_: bool,
    dtype: str,
    batch: int,
) -> None:
    """Find every value of the unknowns that meets the targets, best first.

    Targets on cost and reach (memory<=8GiB, macs<=50G, rf>=input) are answered by
    planner.costs.budget, with --dtype and --batch."""
    from planner.costs.budget import is_metric_target

    if any(is_metric_target(t) for t in target or []):
        _solve_budget(
            net, unknown, target, all_, limit, time_budget, input, framework, json_, dtype, batch
        )
        return
    with _interruptible("solve"), _guard():
        from planner.progress_display import progress_display
        from planner.solver import solve as run_solve

        _check_limits(None if all_ else limit, time_budget)
        network = load_network(net, framework, input)
        with progress_display(err, "solving", not json_) as progress:
            result = run_solve(
                network,
                target or [],
                unknowns=unknown or [],
                exact=exact,
                limit=None if all_ else limit,
                time_budget=time_budget,
                progress=progress,
            )
    if json_:
        _print_json(result.to_dict())
        return
    from planner.report import solve_report

    out.print(solve_report(result))


def _solve_budget(
    net: str,
    unknown: list[str] | None,
    target: list[str] | None,
    all_: bool,
    limit: int,
    time_budget: float,
    input: str | None,
    framework: str | None,
    json_: bool,
    dtype: str,
    batch: int,
) -> None:
    with _interruptible("solve"), _guard():
        from planner.costs.budget import solve_budget

        _check_limits(None if all_ else limit, time_budget)
        network = load_network(net, framework, input)
        answer = solve_budget(
            network,
            target or [],
            unknowns=unknown or [],
            dtype=dtype,
            batch=batch,
            limit=None if all_ else limit,
            time_budget=time_budget,
        )
    if json_:
        _print_json(answer.to_dict())
        return
    from planner.report import budget_report

    out.print(budget_report(answer))


@app.command()
@net_arg
@exact_opt
@click.option("--near", type=int, help="Also give the valid sizes nearest to N.")
@time_opt
@framework_opt
@json_opt
def inputs(
    net: str,
    exact: bool,
    near: int | None,
    time_budget: float,
    framework: str | None,
    json_: bool,
) -> None:
    """The input sizes for which the network runs and every skip aligns, in closed form."""
    with _interruptible("inputs"), _guard():
        from planner.progress_display import progress_display
        from planner.solver import valid_inputs

        _check_limits(None, time_budget)
        network = load_network(net, framework, None)
        with progress_display(err, "valid inputs", not json_) as progress:
            result = valid_inputs(
                network, exact=exact, near=near, time_budget=time_budget, progress=progress
            )
    if json_:
        _print_json(result.to_dict())
        return
    from planner.report import inputs_report

    out.print(inputs_report(result))


@app.command()
@net_arg
@target_opt
@exact_opt
@click.option("--apply", type=int, help="Apply fix ID (see the list) and write it.")
@click.option("--output", "-o", help="Where --apply writes the fixed network ('-' for stdout).")
@force_opt
@time_opt
@input_opt
@framework_opt
@json_opt
def fix(
    net: str,
    target: list[str],
    exact: bool,
    apply: int | None,
    output: str | None,
    force: bool,
    time_budget: float,
    input: str | None,
    framework: str | None,
    json_: bool,
) -> None:
    """Propose verified fixes for every mismatch; --apply ID -o FILE writes one, editing
    only the fixed values of your file (comments and spellings stay)."""
    with _interruptible("fix"), _guard():
        from planner.fixes import fixes as run_fixes
        from planner.progress_display import progress_display

        _check_limits(None, time_budget)
        if apply is not None and output is None:
            raise SpecError(
                "--apply needs -o FILE to write the fixed network to (-o - for stdout)",
                field="--apply",
            )
        if output is not None and apply is None:
            raise SpecError("-o FILE goes with --apply ID", field="--output")
        check_output(output, force)
        network = load_network(net, framework, input)
        with progress_display(err, "looking for fixes", not json_) as progress:
            result = run_fixes(
                network, target or [], exact=exact, time_budget=time_budget, progress=progress
            )
        if apply is not None:
            from planner.files import network_text

            chosen = result.get(apply)
            text = network_text(chosen.network, source_text(net))
            if output == "-" and json_:
                _print_json({"applied": chosen.to_dict(), "path": "-", "text": text})
                return
            path = emit(text, output, force)
    if apply is not None:
        if json_:
            _print_json({"applied": chosen.to_dict(), "path": path})
        else:
            where = "stdout" if path == "-" else path
            (err if path == "-" else out).print(
                f"Applied fix {chosen.id} ({chosen.summary}); wrote {where}", markup=False
            )
        return
    if json_:
        _print_json(result.to_dict())
        return
    from planner.report import fix_report

    out.print(fix_report(result))


@app.command()
@net_arg
@click.argument("layer", cls=HelpArgument, help="The layer whose padding to translate.")
@click.option(
    "--to",
    required=True,
    help="Target framework: keras, torch, jax, onnx (or tensorflow, pytorch, flax).",
)
@input_opt
@json_opt
def translate(net: str, layer: str, to: str, input: str | None, json_: bool) -> None:
    """The exact equivalent of a layer in another framework, as code, or why none exists."""
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


@app.command()
@net_arg
@click.option("--to", required=True, help="Target: keras, torch or flax.")
@output_opt
@force_opt
@input_opt
def export(net: str, to: str, output: str | None, force: bool, input: str | None) -> None:
    """Write the network as source code for Keras, PyTorch or Flax (exact, or a refusal
    naming the layer that cannot be translated and why)."""
    from planner.export.source import to_source

    check_output(output, force)
    with _guard():
        network = load_network(net, None, input)
        where = emit(to_source(network, to), output, force)
    if where != "-":
        err.print(f"wrote {where}", markup=False)


@app.command("import")
@click.argument(
    "source",
    cls=HelpArgument,
    type=click.Path(allow_dash=True),
    help="A Keras .json/.keras file, an .onnx file, Python code (.py, or '-' for "
    "stdin: read as text, never run), or package.module:attr, a PyTorch module "
    "class or factory: that form IMPORTS AND RUNS the module's code.",
)
@output_opt
@force_opt
@input_opt
def import_(source: str, output: str | None, force: bool, input: str | None) -> None:
    """Turn an existing model into a planner network (YAML). Layers that cannot be
    represented are listed by name and op; the network keeps everything before them."""
    from planner.files import network_text
    from planner.importers import import_model

    check_output(output, force)
    with _guard():
        shape = parse_shape(input) if input else None
        text = sys.stdin.read() if source == "-" else None
        result = import_model(source, shape, text)
        net = result.network
        where = emit(network_text(net), output, force)
        path = None if where == "-" else where
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    for problem in result.problems:
        err.print(f"not imported: {problem}", markup=False)
    if path is not None:
        err.print(f"wrote {path} ({len(net.layers)} layers)", markup=False)
    if result.problems:
        raise click.exceptions.Exit(1)


@app.command()
@click.argument(
    "call",
    cls=HelpArgument,
    help='One layer call as code, e.g. "nn.Conv2d(3, 16, 3, stride=2)" or '
    "\"Conv2D(16, 3, strides=2, padding='same')\" (read, never run).",
)
@click.option(
    "--input",
    "-i",
    required=True,
    help="Input shape without the batch axis: 3,28,28 or 28,28,3.",
)
@json_opt
def layer(call: str, input: str, json_: bool) -> None:
    """One layer's output shape, per-side padding and formula, from a code snippet."""
    from planner.importers.code_text import one_layer

    with _guard():
        net, result = one_layer(call, parse_shape(input))
    if json_:
        _print_json({"framework": net.framework, **result.to_dict()})
        return
    shape = tuple(net.input_shape)
    out.print(f"{call.strip()}  ({net.framework}, input {shape})", markup=False)
    if result.error:
        out.print(f"error: {result.error}", markup=False)
        raise click.exceptions.Exit(1)
    out.print(f"output: {tuple(result.output_shape)}", markup=False)
    if result.padding:
        axes = {1: "W", 2: "HW", 3: "DHW"}.get(len(result.padding), "")
        sides = ", ".join(
            f"{axes[i] if axes else i} {b}|{a}" for i, (b, a) in enumerate(result.padding)
        )
        out.print(f"padding (before|after): {sides}", markup=False)
    if result.formula:
        out.print(f"formula: {result.formula}", markup=False)
    out.print(f"params: {result.params or 0}", markup=False)


@app.command()
@net_arg
@click.option("--output", "-o", required=True, help="net.svg or net.png ('-': SVG to stdout).")
@click.option("--layer", help="Draw this layer's padding (cells, pads, windows).")
@force_opt
@input_opt
def draw(net: str, output: str, layer: str | None, force: bool, input: str | None) -> None:
    """Draw the network (a U-Net as a U, anything else top to bottom; failing layers in
    red), or one layer's padding with --layer. SVG in pure Python; PNG via resvg-py."""
    from planner.draw import network_svg, padding_svg, to_png
    from planner.files import write_bytes

    check_output(output, force)
    with _guard():
        network = load_network(net, None, input)
        svg = padding_svg(network, layer) if layer else network_svg(network)
        if output.lower().endswith(".png"):
            where = str(write_bytes(output, to_png(svg), overwrite=force))
        else:
            where = emit(svg, output, force)
    if where != "-":
        err.print(f"wrote {where}", markup=False)


@app.command()
@json_opt
def presets(json_: bool) -> None:
    """List the bundled preset networks."""
    from planner.presets import preset_summary

    with _guard():
        rows = [preset_summary(name) for name in planner.preset_names()]
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
@click.argument(
    "net",
    cls=HelpArgument,
    required=False,
    shell_complete=_complete_network,
    help="A preset name, a YAML/JSON file, or nothing for a new network.",
)
@click.option(
    "--keymap",
    "-k",
    multiple=True,
    callback=_as_list,
    help="Remap a key by binding id: file.save=f2 (see docs/tui.md).",
)
def tui(net: str | None, keymap: list[str]) -> None:
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
    # At exit the interpreter's last garbage collection walks every object still alive
    # (pydantic's schemas, rich, the network): 20 ms of a short command for nothing, as
    # they are freed with the interpreter anyway. Frozen objects are not walked.
    atexit.register(gc.freeze)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
