"""Size of the step page and GIF, and how fast headless Chromium opens a 500-frame page.

Pages: the lecture's L = (θ1·θ2·x − y)² (5 frames), a 2-4-4-1 tanh MLP's squared error
(one frame per op), and a 500-frame neuron (250 weights times inputs, summed). Beside each
page's size stands what the frames weigh as one SVG each, as the page held them before
(estimated from ten frames spread over the pass). The open time is the page's own navigation
timing (navigation start to the end of its load event: parsing, the script's first frame and
the fit to the window),
measured in rounds that alternate the 500-frame page with the lecture's page, so that noise
from other work on the machine falls on both. Needs Debian's ``chromium``. Run
``python benchmarks/step_page.py`` (``--rounds N``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.chromium

from chainrule import Value  # noqa: E402
from chainrule.viz import steps  # noqa: E402
from tests.chromium import Browser  # noqa: E402
from tests.viz.viz_graphs import labelled_mlp, lecture_graph  # noqa: E402

LOAD = (
    "(() => { const n = performance.getEntriesByType('navigation')[0];"
    " return n.loadEventEnd - n.startTime; })()"
)


def neuron(inputs: int) -> Value:
    """w·x summed over `inputs` terms: 2·inputs − 1 ops, one frame each, plus the seed."""
    total = None
    for i in range(inputs):
        term = Value(0.01 * (i % 7 - 3), label=f"w{i}") * Value(1.0 + i % 3, label=f"x{i}")
        total = term if total is None else total + term
    assert total is not None
    return total


def kb(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < 2**20 else f"{size / 2**20:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    folder = Path(tempfile.mkdtemp(prefix="chainrule-step-page-"))
    graphs = {
        "lecture": lecture_graph()[0],
        "MLP 2-4-4-1": labelled_mlp((2, 4, 4, 1)),
        "500 frames": neuron(250),
    }
    pages = {}
    print(f"{'graph':<14}{'frames':>7}{'page':>10}{'one SVG a frame':>17}{'GIF':>10}{'GIF s':>7}")
    for name, root in graphs.items():
        frames = steps(root, max_nodes=None)
        started = time.perf_counter()
        page = frames.render(folder / name.replace(" ", "_"))
        pages[name] = page
        # ten frames spread over the pass, scaled to all (500 frame SVGs would be ~1 GB)
        sample = sorted({n * (len(frames) - 1) // 9 for n in range(10)})
        sizes = [len(frames.svg(n).encode("utf-8")) for n in sample]
        every_frame = round(statistics.mean(sizes) * len(frames))
        gif, seconds = "", ""
        if len(frames) < 100:
            started = time.perf_counter()
            path = frames.render(folder / f"{name.replace(' ', '_')}.gif")
            gif, seconds = kb(path.stat().st_size), f"{time.perf_counter() - started:.1f}"
        print(
            f"{name:<14}{len(frames):>7}{kb(page.stat().st_size):>10}{kb(every_frame):>17}"
            f"{gif:>10}{seconds:>7}"
        )
    times: dict[str, list[float]] = {"500 frames": [], "lecture": []}
    with Browser() as browser:
        for _ in range(rounds):
            for name in times:  # interleaved: each round opens both
                browser.open(pages[name].as_uri())
                times[name].append(browser.run(LOAD))
        errors = browser.errors()
    print(f"\nopen in headless Chromium, {rounds} rounds (ms: median, min-max):")
    for name, values in times.items():
        print(
            f"  {name:<12} {statistics.median(values):7.0f}   {min(values):.0f}-{max(values):.0f}"
        )
    ratios = [big / small for big, small in zip(times["500 frames"], times["lecture"])]
    print(
        f"  ratio 500-frame / lecture page: {statistics.median(ratios):.1f} "
        f"({min(ratios):.1f}-{max(ratios):.1f})"
    )
    if errors:
        print("console errors:", *errors, sep="\n  ")


if __name__ == "__main__":
    main()
