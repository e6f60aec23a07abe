"""This working tree's scalar speed against another commit's (main by default), interleaved.

Two versions of chainrule cannot share one process, so each run is a subprocess of
``benchmarks/scalar.py`` with the tree's own code first on ``sys.path``: the other commit is
exported with ``git archive`` into a temporary folder. Runs alternate (A, B, A, B, …) so that
the machine's drift falls on both, and each run's own micrograd ratio (micrograd / chainrule
in the same process) is compared as well as the raw ns/node. Reported: the median and the
spread (min–max) of this tree's time over the other's, per size.

Usage: ``python benchmarks/versions.py [--ref main] [--rounds 5] [--sizes 10000 100000]``
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\s*(\d+)\s+(chainrule|ratio m/c)\s+([\d.]+)x?\s+([\d.]+)x?\s+([\d.]+)x?")


def export(ref: str, folder: Path) -> Path:
    """The files of commit `ref`, written into `folder`."""
    archive = subprocess.run(
        ["git", "-C", str(HERE), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run(tree: Path, sizes: list[int], repeats: int) -> dict[int, dict[str, float]]:
    """fwd+bwd ns/node of chainrule and the micrograd ratio, by size, for one tree."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(tree / "benchmarks" / "scalar.py"), "--repeats", str(repeats)]
    output = subprocess.run(
        [*command, "--sizes", *map(str, sizes)],
        env=environment,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[int, dict[str, float]] = {}
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            size, name = int(match.group(1)), match.group(2)
            figures.setdefault(size, {})[name] = float(match.group(5))  # the fwd+bwd column
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="best of, inside each run")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        other = export(args.ref, Path(folder))
        trees = {"this tree": HERE, args.ref: other}
        results: dict[str, list[dict[int, dict[str, float]]]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            order = list(trees.items()) if round_ % 2 == 0 else list(reversed(trees.items()))
            for name, tree in order:
                results[name].append(run(tree, args.sizes, args.repeats))
    print(f"fwd+bwd ns/node, {args.rounds} interleaved rounds (best of {args.repeats} in each)")
    print(
        f"{'N':>7}  {'this tree':>10} {args.ref:>10}  {'time ratio':>22}  {'micrograd ratio':>22}"
    )
    for size in args.sizes:
        ours = [r[size]["chainrule"] for r in results["this tree"]]
        theirs = [r[size]["chainrule"] for r in results[args.ref]]
        times = [a / b for a, b in zip(ours, theirs)]
        # micrograd / chainrule in each run: a higher number means a faster chainrule
        ours_m = [r[size]["ratio m/c"] for r in results["this tree"]]
        theirs_m = [r[size]["ratio m/c"] for r in results[args.ref]]
        relative = [b / a for a, b in zip(ours_m, theirs_m)]
        print(
            f"{size:>7}  {statistics.median(ours):>10.0f} {statistics.median(theirs):>10.0f}  "
            f"{statistics.median(times):>8.3f} ({min(times):.3f}–{max(times):.3f})  "
            f"{statistics.median(relative):>8.3f} ({min(relative):.3f}–{max(relative):.3f})  "
            f"best {min(ours) / min(theirs):.3f}"
        )
    print("ratios: this tree / the other (median, min–max over rounds; best: fastest run over")
    print("fastest run); below 1 means this tree is faster")


if __name__ == "__main__":
    main()
