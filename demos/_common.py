"""Shared by the demos: the ``--out DIR`` option and the output folder, nothing else."""

from __future__ import annotations

import argparse
from pathlib import Path


def output_dir(script: str, description: str) -> Path:
    """Parse the demo's command line and return its output folder, created if needed.

    Args:
        script: the demo's ``__file__``; its stem names the default folder ``out/<stem>``.
        description: one line for ``--help``.

    Returns:
        The folder the demo writes its pictures to.
    """
    name = Path(script).stem
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out") / name,
        help=f"folder for the pictures (default: out/{name})",
    )
    folder = parser.parse_args().out
    folder.mkdir(parents=True, exist_ok=True)
    return folder
