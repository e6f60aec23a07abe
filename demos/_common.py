"""Shared by the demos: the ``--out DIR`` option (and a demo's own options), the output folder."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def output_dir(script: str, description: str) -> Path:
    """Parse the demo's command line and return its output folder, created if needed.

    Args:
        script: the demo's ``__file__``; its stem names the default folder ``out/<stem>``.
        description: one line for ``--help``.

    Returns:
        The folder the demo writes its pictures to.
    """
    return parse_options(script, description)[0]


def parse_options(
    script: str,
    description: str,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> tuple[Path, argparse.Namespace]:
    """`output_dir`, plus the demo's own options (added to the parser by `options`)."""
    name = Path(script).stem
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out") / name,
        help=f"folder for the pictures (default: out/{name})",
    )
    if options is not None:
        options(parser)
    arguments = parser.parse_args()
    try:
        arguments.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file of that name, no permission: one line, exit 2
        why = "a file is in the way" if arguments.out.exists() else error.strerror
        parser.error(f"--out {arguments.out}: cannot make the folder ({why})")
    return arguments.out, arguments
