"""Checks of the public API's arguments, made once at the boundary.

``planner.infer(3)`` or ``planner.infer(net, input_shape="abc")`` is a mistake in
the caller's code, not a bug in planner: it gets an ``ArgumentError`` naming the
function, the argument, what was received and what is accepted, instead of an
``AttributeError`` from deep inside. The functions themselves keep assuming
well-typed arguments; ``checked`` wraps them where ``planner`` exports them.

>>> import planner
>>> planner.infer("unet-original")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
planner.errors.ArgumentError: field 'net': planner.infer takes a Network (...); received str ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from planner.errors import ArgumentError, received_text
from planner.spec.network import Network

F = TypeVar("F", bound=Callable[..., Any])


def require_network(net: Any, function: str) -> None:
    """Refuse anything but a ``Network`` as ``net``, saying how to get one."""
    if isinstance(net, Network):
        return
    hint = ""
    if isinstance(net, str):
        hint = f" Load it first: {function}(planner.load({net!r}))."
    elif isinstance(net, dict) or hasattr(net, "__fspath__"):
        hint = " Load it first with planner.load(...)."
    raise ArgumentError(
        f"{function} takes a Network (from planner.load or planner.loads); "
        f"received {received_text(net)}.{hint}",
        field="net",
    )


def require_shape(shape: Any, function: str, field: str = "input_shape") -> None:
    """A shape is a list or tuple of sizes (ints >= 1) and symbols (``"H"``), or None."""
    if shape is None:
        return
    ok = isinstance(shape, list | tuple) and all(
        isinstance(d, str) or (isinstance(d, int) and not isinstance(d, bool)) for d in shape
    )
    if not ok:
        raise ArgumentError(
            f"{function}: {field} is a list of sizes without the batch axis, each an int "
            f"or a symbol such as 'H' (e.g. [572, 572, 1] or ['H', 'W', 1]); "
            f"received {received_text(shape)}",
            field=field,
        )


def require_mapping(value: Any, function: str, field: str) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ArgumentError(
            f"{function}: {field} maps names to values, e.g. {{'p': 1}}; "
            f"received {received_text(value)}",
            field=field,
        )


def checked(function: F, name: str) -> F:
    """``function`` with its ``net``, ``input_shape`` and ``values`` arguments checked.

    The first parameter must be named ``net``; other parameters are checked when the
    function has them.
    """
    params = inspect.signature(function).parameters

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        net = args[0] if args else kwargs.get("net")
        require_network(net, name)
        if "input_shape" in params:
            require_shape(kwargs.get("input_shape"), name)
        if "values" in params:
            require_mapping(kwargs.get("values"), name, "values")
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
