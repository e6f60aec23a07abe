"""Options and outputs shared by the commands: ``-o/--format/--rankdir`` and saving a picture."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from chainrule._files import check_target
from chainrule.cli.errors import failure, failures, one_line, user_errors
from chainrule.viz.diagram import FORMATS, SUFFIX_FORMATS
from chainrule.viz.dot import RANKDIRS
from chainrule.viz.render import MAX_DPI, PNG_DPI


def diagram_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``-o FILE``, ``--format``, ``--rankdir`` and ``--dpi`` to a command that draws one
    graph."""
    for decorator in reversed(
        [
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, writable=False),
                help="File to write (default: graph.svg, or graph.FORMAT, in this folder).",
            ),
            click.option(
                "--format",
                "file_format",
                type=click.Choice(FORMATS),
                help="svg, png, pdf or gv (DOT text). Default: the suffix.",
            ),
            click.option(
                "--rankdir",
                type=click.Choice(RANKDIRS),
                default="LR",
                show_default=True,
                help="Layout: left to right (LR), top to bottom (TB), or reversed (RL, BT).",
            ),
            click.option(
                "--dpi",
                type=click.FloatRange(min=1, max=MAX_DPI),
                default=PNG_DPI,
                show_default=True,
                help="Resolution of a png (its longer side stays capped for huge graphs).",
            ),
        ]
    ):
        command = decorator(command)
    return command


def output_target(output: str | None, file_format: str | None) -> tuple[Path, str]:
    """The file to write and its format, from ``-o`` and ``--format``.

    Raises:
        click.UsageError: when the two disagree, or the format cannot be told.

    >>> output_target(None, "png")
    (PosixPath('graph.png'), 'png')
    >>> output_target("lecture.gv", None)
    (PosixPath('lecture.gv'), 'gv')
    """
    if output is None:
        chosen = file_format or "svg"
        return Path(f"graph.{chosen}"), chosen
    path = Path(output)
    from_suffix = SUFFIX_FORMATS.get(path.suffix.lower())
    if file_format and from_suffix and file_format != from_suffix:
        raise click.UsageError(
            one_line(f"--format {file_format} conflicts with the suffix of {output!r}")
        )
    if file_format is None and from_suffix is None:
        raise click.UsageError(
            one_line(f"cannot tell the format of {output!r}: use .svg .png .pdf .gv or --format")
        )
    return path, file_format or from_suffix or "svg"


def require_folder(path: str | Path) -> None:
    """Refuse an output whose folder does not exist (as `cp` and `dot -o` do): a typo in
    a path should not quietly create folders."""
    if not Path(path).resolve().parent.is_dir():
        raise click.ClickException(one_line(f"no folder to write {path} in"))


def require_writable_folder(path: str | Path) -> None:
    """`require_folder`, and proof that a file can be created there: checked before long
    work (training), so that it is not lost to a folder that refuses the result."""
    require_folder(path)
    try:
        check_target(path)  # a FIFO, device or folder at the path itself
        # An unnamed file (O_TMPFILE, or unlinked at once): nothing is left behind.
        with tempfile.TemporaryFile(dir=Path(path).resolve().parent):
            pass
    except OSError as error:
        raise failure(error, f"cannot write {path}") from None


def save_diagram(diagram: Any, path: Path, file_format: str, dpi: float = PNG_DPI) -> None:
    """Render `diagram` to `path` (atomically, in viz) and say where it went."""
    require_folder(path)
    with user_errors(), failures(f"cannot write {path}"):
        written = diagram.render(path, format=file_format, dpi=dpi)
    click.echo(f"wrote {Path(written).resolve()}")
