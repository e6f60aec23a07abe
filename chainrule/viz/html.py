"""A self-contained HTML stepper for the backward pass: inline SVG frames, buttons, arrow keys.

The page has no external reference at all (no script, style, font or image URL), so it works
from a ``file://`` URL with no server and no network.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from chainrule._files import write_folder

if TYPE_CHECKING:
    from chainrule.viz.steps import Steps

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
_IDS = re.compile(r'\bid="([^"]*)"')

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5rem;
       color: #222; background: #fafafa; }
h1 { font-size: 1.3rem; margin: 0 0 .6rem; }
.controls { display: flex; gap: .5rem; align-items: center; margin-bottom: .8rem; }
button { font-size: 1rem; padding: .3rem .8rem; border: 1px solid #bbb; border-radius: 4px;
         background: white; cursor: pointer; }
button:hover { background: #f0f0f0; }
#counter { min-width: 7rem; font-variant-numeric: tabular-nums; }
#formula { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 1.05rem;
           background: white; border: 1px solid #ddd; border-left: 4px solid #e36209;
           padding: .6rem .9rem; margin-bottom: .8rem; white-space: pre-wrap; min-height: 3em; }
.frame { display: none; overflow: auto; background: white; border: 1px solid #ddd; }
.frame.current { display: block; }
/* the box above tells the step: the SVG's own caption (for the frame files) is hidden */
.frame svg > g.graph > text { display: none; }
.hint { color: #777; font-size: .85rem; }
"""

_SCRIPT = """
const frames = Array.from(document.querySelectorAll('.frame'));
const texts = JSON.parse(document.getElementById('texts').textContent);
let current = 0, timer = null;
function show(n) {
  current = Math.max(0, Math.min(frames.length - 1, n));
  frames.forEach((f, i) => f.classList.toggle('current', i === current));
  document.getElementById('counter').textContent = `step ${current} of ${frames.length - 1}`;
  document.getElementById('formula').textContent = texts[current];
  // the address names the step, so a link or a reload opens the same step
  if (location.hash !== `#step${current}`) history.replaceState(null, '', `#step${current}`);
}
function fromAddress() {
  const match = location.hash.match(/^#step(\\d+)$/);
  return match ? Number(match[1]) : 0;
}
function play() {
  if (timer) { clearInterval(timer); timer = null; playButton.textContent = '▶ play'; return; }
  if (current === frames.length - 1) show(0);
  playButton.textContent = '❚❚ pause';
  timer = setInterval(() => {
    if (current === frames.length - 1) play(); else show(current + 1);
  }, 1500);
}
const playButton = document.getElementById('play');
document.getElementById('prev').onclick = () => show(current - 1);
document.getElementById('next').onclick = () => show(current + 1);
playButton.onclick = play;
document.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') show(current + 1);
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') show(current - 1);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(frames.length - 1);
  else if (e.key === ' ') { e.preventDefault(); play(); }
  else return;
});
window.addEventListener('hashchange', () => show(fromAddress()));
show(fromAddress());
"""


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG ready to sit inside HTML: no XML prologue, no namespace URLs, ids made unique."""
    body = _NAMESPACES.sub("", _PROLOGUE.sub("", svg, count=1))
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    body = re.sub(r"\bns0:", "", body)
    return _IDS.sub(lambda m: f'id="{prefix}{m.group(1)}"', body)


def caption_height(svg: str) -> float:
    """How far down (in pt) the graph's own caption reaches: the page hides it and crops it.

    Graphviz writes the caption as the graph group's direct ``<text>`` children, in graph
    coordinates under ``translate(x, height)``.
    """
    root = ElementTree.fromstring(svg)
    graph = next((g for g in root if g.get("class") == "graph"), None)
    if graph is None:
        return 0.0
    shift = re.search(r"translate\(\s*[-\d.]+[ ,]+([-\d.]+)\s*\)", graph.get("transform", ""))
    lines = [float(t.get("y", "nan")) for t in graph if t.tag.endswith("}text")]
    if shift is None or not lines:
        return 0.0
    descent = 4.0  # below the last line's baseline
    return max(0.0, float(shift.group(1)) + max(lines) + descent)


_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt" height="([\d.]+)pt"')
#: Small graphs are drawn larger, up to this factor, to about this width in pt.
MAX_SCALE, TARGET_WIDTH = 1.6, 900.0


def _scale(svg: str) -> float:
    """How much to enlarge a small graph so that it reads at a glance (never shrink one)."""
    size = _SIZE.search(svg)
    if size is None:
        return 1.0
    return max(1.0, min(MAX_SCALE, TARGET_WIDTH / float(size.group(1))))


def _resize(svg: str, scale: float) -> str:
    """The same picture `scale` times larger: only the outer width and height change."""
    size = _SIZE.search(svg)
    if size is None or scale == 1.0:
        return svg
    width, height = (float(size.group(n)) * scale for n in (1, 2))
    start, end = size.span(1)[0], size.span(2)[1]
    return f'{svg[:start]}{width:.2f}pt" height="{height:.2f}{svg[end:]}'


def page(title: str, svgs: list[str], texts: list[str]) -> str:
    """The whole HTML page for frames `svgs` with their formula `texts`."""
    scale = _scale(svgs[0]) if svgs else 1.0
    crop = scale * caption_height(svgs[0]) if svgs else 0.0
    frames = "\n".join(
        f'<div class="frame" id="frame{n}">{inline_svg(_resize(svg, scale), f"f{n}_")}</div>'
        for n, svg in enumerate(svgs)
    )
    data = json.dumps(texts, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_STYLE}.frame svg {{ display: block; margin-top: -{crop:.1f}pt; }}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="controls">
<button id="prev" title="previous step (←)">◀ previous</button>
<button id="play" title="play / pause (space)">▶ play</button>
<button id="next" title="next step (→)">next ▶</button>
<span id="counter"></span>
<span class="hint">← → step, space plays, Home/End jump</span>
</div>
<div id="formula"></div>
{frames}
<script type="application/json" id="texts">{data}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def write_page(steps: Steps, outdir: Path, *, renderer: str | None = None) -> Path:
    """Write ``step_000.svg`` … and ``index.html`` into `outdir`; returns the page's path."""
    svgs = steps.svgs(renderer=renderer)
    width = max(3, len(str(len(svgs) - 1)))
    files = {f"step_{n:0{width}d}.svg": svg for n, svg in enumerate(svgs)}
    texts = ["\n".join([frame.title, *frame.formulas]) for frame in steps]
    root_name = steps.names.name(steps.names.root)
    title = f"Backpropagation through {root_name} = {steps.names.expression(steps.names.root)}"
    files["index.html"] = page(title, svgs, texts)
    # Frames of an earlier, longer run into the same folder go; files chainrule did not write stay.
    write_folder(outdir, files)
    return outdir / "index.html"
