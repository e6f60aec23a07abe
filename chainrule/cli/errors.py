"""How the command line fails: one line on stderr, exit status 2 for usage and 1 for failures.

`ChainruleGroup` turns every failure into one line (never a traceback); `user_errors` and
`failures` translate library exceptions; the number parsers refuse what is not finite.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import click

#: Set this environment variable to let unexpected errors through with their traceback.
DEBUG_VARIABLE = "CHAINRULE_DEBUG"
MAX_MESSAGE = 400  # characters of an error message shown (they may quote user input)


# ------------------------------------------------------------------------------ errors
def one_line(message: str) -> str:
    """The message on one line (newlines and other control characters become spaces), capped.

    >>> one_line("bad\\nvalue\\0 here")
    'bad value here'
    """
    text = "".join(" " if not ch.isprintable() else ch for ch in message)
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


class ChainruleGroup(click.Group):
    """A click group whose every error is one line on stderr: ``Error: ...``.

    Exit status 2 for usage errors (click.UsageError), 1 for failures (click.ClickException,
    an interruption, or an unexpected error — shown without a traceback unless the
    ``CHAINRULE_DEBUG`` environment variable is set, which tests do so bugs stay visible).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order they are defined (expressions first, then models), not alphabetical."""
        return list(self.commands)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click.ClickException as error:
            code = _report(error)
        except click.Abort:
            click.echo("Error: interrupted", err=True)
            code = 1
        except Exception as error:  # noqa: BLE001 - users get one line, never a traceback
            if os.environ.get(DEBUG_VARIABLE):
                raise
            name = type(error).__name__
            click.echo(f"Error: unexpected {name}: {one_line(str(error))}", err=True)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code)


def _report(error: click.ClickException) -> int:
    message = one_line(error.format_message())
    context = getattr(error, "ctx", None)
    if isinstance(error, click.UsageError) and context is not None:
        message += f" (see '{context.command_path} --help')"
    click.echo(f"Error: {message}", err=True)
    return error.exit_code


def usage_error(error: Exception) -> click.UsageError:
    """A library's ValueError or TypeError about the user's input, as a usage error."""
    return click.UsageError(one_line(str(error)))


def failure(error: Exception, doing: str) -> click.ClickException:
    """A library's failure (OSError, RuntimeError, ...) as an exit-status-1 error.

    `doing` names the user's file; an OSError's own file name is left out, as it may be an
    internal temporary file (outputs are written to ``.NAME.….tmp`` and then renamed).

    >>> failure(PermissionError(13, "Permission denied", "/d/.x.svg.1f.tmp"), "cannot write x.svg")
    ClickException('cannot write x.svg: Permission denied')
    """
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror
    else:
        text = str(error) or type(error).__name__
    return click.ClickException(one_line(f"{doing}: {text}"))


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Library ValueError/TypeError inside the block become usage errors (exit status 2)."""
    try:
        yield
    except (ValueError, TypeError) as error:
        raise usage_error(error) from None


@contextlib.contextmanager
def failures(doing: str) -> Iterator[None]:
    """OSError (and a renderer's RuntimeError) inside the block become failures (exit 1)."""
    try:
        yield
    except (OSError, RuntimeError) as error:
        if isinstance(error, RecursionError):
            raise
        raise failure(error, doing) from None


# ------------------------------------------------------------------------------ numbers
def finite_number(text: str, what: str) -> float:
    """`text` as a finite float, or a usage error naming `what`."""
    try:
        number = float(text)
    except ValueError:
        raise click.UsageError(one_line(f"{what}: {text!r} is not a number")) from None
    if not math.isfinite(number):
        raise click.UsageError(one_line(f"{what}: {text!r} is not a finite number"))
    return number


class FiniteFloat(click.ParamType):
    """A finite number no smaller than `minimum` (click's FloatRange lets nan through)."""

    name = "number"

    def __init__(self, minimum: float = -math.inf) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, float):
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number < self.minimum:
            bound = f" ≥ {self.minimum:g}" if math.isfinite(self.minimum) else ""
            self.fail(f"{value!r} is not a finite number{bound}", param, ctx)
        return number


def number_list(text: str, what: str) -> list[float]:
    """Comma-separated finite numbers (``0.5,-0.2``)."""
    return [finite_number(part.strip(), what) for part in text.split(",")]


def size_list(text: str, what: str) -> list[int]:
    """Comma-separated positive layer sizes (``16,16``)."""
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 0 < int(part) <= 10_000:
            raise click.UsageError(one_line(f"{what}: {part!r} is not a size from 1 to 10000"))
        sizes.append(int(part))
    return sizes
