"""A self-contained HTML stepper for the backward pass: one inline SVG restyled frame by frame.

The page holds the fixed layout once, as SVG, and per frame only what changes: the active node
and edges, the gradient cells that change, and the step's chain-rule text. A small script
applies them, so the page grows with nodes + steps, not nodes × steps. It has no external
reference at all (no script, style, font or image URL), so it works from a ``file://`` URL,
and inside a Jupyter output as an ``<iframe srcdoc>`` with no server and no widget extension.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, Protocol
from xml.etree import ElementTree

from chainrule.viz import style
from chainrule.viz.naming import GraphNames
from chainrule.viz.svgframes import HIGHLIGHT_CSS, SVG_NS, FrameStyle, restyle


class _Frame(Protocol):
    @property
    def formulas(self) -> Sequence[str]: ...


class Steps(Protocol):
    """What the page reads of `chainrule.viz.steps.Steps` (a protocol, so that this module
    does not import the one that imports it)."""

    names: GraphNames
    direction: str

    def __iter__(self) -> Iterator[_Frame]: ...

    def frame_style(self, frame: Any) -> FrameStyle: ...

    def layout_svg(self, *, renderer: str | None = None) -> str: ...


#: Small graphs are enlarged up to this factor when fitted to the window.
MAX_SCALE = 2.0
#: pt → CSS px.
PX_PER_PT = 4 / 3

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1rem 1.5rem;
       color: #222; background: #fafafa; }
body.embedded { margin: .4rem; background: white; }
h1 { font-size: 1.2rem; margin: 0 0 .5rem; }
body.embedded h1 { font-size: 1rem; }
.controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: .5rem; }
button { font-size: .95rem; padding: .25rem .7rem; border: 1px solid #bbb; border-radius: 4px;
         background: white; cursor: pointer; color: #222; }
button:hover { background: #f0f0f0; }
#slider { flex: 1 1 8rem; min-width: 6rem; max-width: 24rem; }
#counter { min-width: 7rem; font-variant-numeric: tabular-nums; }
#formula { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 1rem;
           line-height: 1.35; background: white; border: 1px solid #ddd;
           border-left: 4px solid #e36209;
           padding: .45rem .8rem; margin-bottom: .5rem; white-space: pre-wrap; }
#stage { overflow: auto; background: white; border: 1px solid #ddd; }
#stage svg { display: block; }
.hint { color: #777; font-size: .8rem; }
"""

_SCRIPT = """
(() => {
const state = JSON.parse(document.getElementById('state').textContent);
const frames = state.frames, last = frames.length - 1, embedded = state.embedded;
const stage = document.getElementById('stage'), svg = stage.querySelector('svg');
const slider = document.getElementById('slider'), playButton = document.getElementById('play');
const zoomButton = document.getElementById('zoom');
const cells = {};
for (const id of state.cells) {
  const group = document.getElementById(id);
  if (group) cells[id] = [group.querySelector('text.grad'), group.querySelector('.grad-cell')];
}
let current = 0, shown = -1, timer = null, fit = true, marked = [];

function setCell(id, text, fill) {
  const cell = cells[id];
  if (!cell) return;
  if (cell[0]) cell[0].textContent = text;
  if (cell[1]) cell[1].setAttribute('fill', fill);
}
// gradients accumulate: frame n's cells are frame 0's changes, then 1's, ... then n's
function advanceTo(n) {
  if (n < shown) {
    for (const id of state.cells) setCell(id, state.blank[0], state.blank[1]);
    shown = -1;
  }
  while (shown < n) {
    shown += 1;
    for (const [id, text, fill] of frames[shown].grads) setCell(id, text, fill);
  }
}
function mark(frame) {
  for (const [element, name] of marked) element.classList.remove(name);
  marked = [];
  const add = (ids, name) => {
    for (const id of ids) {
      const element = document.getElementById(id);
      if (element) { element.classList.add(name); marked.push([element, name]); }
    }
  };
  add(frame.active, 'active');
  add(frame.edges, 'active');
  add(frame.updated, 'updated');
}
// scroll the stage only (never the page or a notebook around it) to show the active node
// and its op; when both do not fit, the value's record wins
function keepInView(ids) {
  const boxes = ids.map((id) => document.getElementById(id)).filter((element) => element)
    .filter((element) => element.classList.contains('node'))
    .map((element) => element.getBoundingClientRect());
  if (!boxes.length) return;
  const view = stage.getBoundingClientRect(), pad = 16;
  const scroll = (low, high, start, end, first) => {
    if (high - low > end - start - 2 * pad) return first - (start + pad);  // too big: show it
    if (low < start + pad) return low - (start + pad);
    if (high > end - pad) return high - (end - pad);
    return 0;
  };
  const low = (side) => Math.min(...boxes.map((box) => box[side]));
  const high = (side) => Math.max(...boxes.map((box) => box[side]));
  stage.scrollLeft += scroll(low('left'), high('right'), view.left, view.right, boxes[0].left);
  stage.scrollTop += scroll(low('top'), high('bottom'), view.top, view.bottom, boxes[0].top);
}
function show(n) {
  current = Math.max(0, Math.min(last, n));
  const frame = frames[current];
  advanceTo(current);
  mark(frame);
  slider.value = current;
  document.getElementById('counter').textContent = `step ${current} of ${last}`;
  document.getElementById('formula').textContent = frame.text;
  // the address names the step, so a link or a reload opens the same step
  if (!embedded && location.hash !== `#step${current}`) {
    history.replaceState(null, '', `#step${current}`);
  }
  keepInView(frame.active);
}
function layout() {
  const box = svg.viewBox.baseVal, width = box.width * state.pxPerPt;
  const height = box.height * state.pxPerPt;
  const top = stage.getBoundingClientRect().top + window.scrollY;
  const room = window.innerHeight - top - 12;
  let scale = 1;
  if (fit) {
    scale = Math.min(state.maxScale, (stage.clientWidth - 2) / width);
    if (!embedded) scale = Math.min(scale, room / height);
  }
  svg.style.width = `${width * scale}px`;
  svg.style.height = `${height * scale}px`;
  stage.style.maxHeight = embedded ? '' : `${Math.max(120, room)}px`;
  zoomButton.textContent = fit ? '100 %' : 'fit';
  zoomButton.title = fit ? 'natural size (z)' : 'fit to the window (z)';
  if (embedded) {
    try {  // a notebook output grows to its content
      const outer = window.frameElement;
      const margin = parseFloat(getComputedStyle(document.body).marginBottom) || 0;
      const height = document.body.getBoundingClientRect().bottom + margin;
      if (outer) outer.style.height = `${Math.ceil(height) + 2}px`;
    } catch (error) { /* a cross-origin frame keeps its height */ }
  }
  keepInView(frames[current].active);
}
function play() {
  if (timer) { clearInterval(timer); timer = null; playButton.textContent = '▶ play'; return; }
  if (current === last) show(0);
  playButton.textContent = '❚❚ pause';
  timer = setInterval(() => { if (current === last) play(); else show(current + 1); }, 1500);
}
function fromAddress() {
  const match = location.hash.match(/^#step(\\d+)$/);
  return match ? Number(match[1]) : 0;
}
slider.max = last;
slider.oninput = () => show(Number(slider.value));
document.getElementById('prev').onclick = () => show(current - 1);
document.getElementById('next').onclick = () => show(current + 1);
playButton.onclick = play;
zoomButton.onclick = () => { fit = !fit; layout(); };
document.addEventListener('keydown', (event) => {
  if (event.target === slider && event.key.startsWith('Arrow')) return;  // the slider steps
  if (event.key === 'ArrowRight' || event.key === 'ArrowDown') show(current + 1);
  else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') show(current - 1);
  else if (event.key === 'Home') show(0);
  else if (event.key === 'End') show(last);
  else if (event.key === ' ') play();
  else if (event.key === 'z') { fit = !fit; layout(); }
  else return;
  event.preventDefault();
});
window.addEventListener('resize', layout);
if (!embedded) window.addEventListener('hashchange', () => show(fromAddress()));
show(embedded ? 0 : fromAddress());
layout();
})();
"""

_CAPTION_TAG = f"{{{SVG_NS}}}text"


def layout_svg(svg: str, steps: Steps) -> str:
    """The layout as the page shows it: every gradient blank, no caption, no size in pt.

    The caption (the step's text, drawn above the graph in the frame files) is cut off by
    moving the top of the view box below it: the page writes the step's text in HTML.
    """
    blank = FrameStyle(
        grad_texts={cell: style.grad_text(None) for cell in grad_cells(steps)},
        grad_fills={cell: style.grad_fill(None) for cell in grad_cells(steps)},
    )
    root = ElementTree.fromstring(restyle(svg, blank))
    crop = caption_height(svg)
    graph = next((g for g in root if g.get("class") == "graph"), None)
    if graph is not None:
        for caption in [child for child in graph if child.tag == _CAPTION_TAG]:
            graph.remove(caption)
    x, y, width, height = (float(v) for v in root.get("viewBox", "0 0 0 0").split())
    root.set("viewBox", f"{x:g} {y + crop:.2f} {width:g} {max(1.0, height - crop):.2f}")
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    return ElementTree.tostring(root, encoding="unicode")


def grad_cells(steps: Steps) -> list[str]:
    """The ids of the value records that have a gradient cell."""
    names = steps.names
    return [f"v{names.id(node)}" for node in names.order if node.requires_grad]


def caption_height(svg: str) -> float:
    """How far down (in pt) the graph's own caption reaches: the page crops it.

    Graphviz writes the caption as the graph group's direct ``<text>`` children, in graph
    coordinates under ``translate(x, height)``.
    """
    root = ElementTree.fromstring(svg)
    graph = next((g for g in root if g.get("class") == "graph"), None)
    if graph is None:
        return 0.0
    shift = re.search(r"translate\(\s*[-\d.]+[ ,]+([-\d.]+)\s*\)", graph.get("transform", ""))
    lines = [float(t.get("y", "nan")) for t in graph if t.tag == _CAPTION_TAG]
    if shift is None or not lines:
        return 0.0
    descent = 4.0  # below the last line's baseline
    return max(0.0, float(shift.group(1)) + max(lines) + descent)


def frame_states(steps: Steps) -> list[dict[str, Any]]:
    """What each frame changes: highlights, the gradient cells that differ from the frame
    before (so the page holds each change once), and the step's text."""
    blank = (style.grad_text(None), style.grad_fill(None))
    shown: dict[str, tuple[str, str]] = {}
    states = []
    for frame in steps:
        frame_style = steps.frame_style(frame)
        changed = []
        for cell, text in frame_style.grad_texts.items():
            now = (text, frame_style.grad_fills.get(cell, blank[1]))
            if shown.get(cell, blank) != now:
                changed.append([cell, *now])
                shown[cell] = now
        states.append(
            {
                "active": sorted(frame_style.active, key=lambda n: not n.startswith("v")),
                "edges": sorted(frame_style.edges),
                "updated": sorted(frame_style.updated),
                "grads": changed,
                "text": "\n".join(frame_style.label_lines),
            }
        )
    return states


def title(steps: Steps) -> str:
    """The page's heading: ``Backpropagation through L = (θ1·θ2·x − y)²`` (or ``Forward
    pass through …`` for the forward pass)."""
    names = steps.names
    what = "Forward pass" if steps.direction == "forward" else "Backpropagation"
    return f"{what} through {names.name(names.root)} = {names.expression(names.root)}"


def page(steps: Steps, *, embedded: bool = False, renderer: str | None = None) -> str:
    """The whole HTML page of `steps`.

    Args:
        steps: the frames.
        embedded: for a notebook's ``<iframe>``: fitted to the width only, growing its frame
            to the content, and leaving the address alone.
        renderer: the Graphviz renderer for the layout (see `render.find_renderer`).
    """
    svg = layout_svg(steps.layout_svg(renderer=renderer), steps)
    frames = frame_states(steps)
    state = {
        "frames": frames,
        "cells": grad_cells(steps),
        "blank": [style.grad_text(None), style.grad_fill(None)],
        "embedded": embedded,
        "maxScale": MAX_SCALE,
        "pxPerPt": PX_PER_PT,
    }
    data = json.dumps(state, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    heading = html.escape(title(steps))
    lines = max(len(frame["text"].splitlines()) for frame in frames)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style>{_STYLE}{HIGHLIGHT_CSS}
/* as tall as the longest step's text, so the graph below never moves */
#formula {{ min-height: {1.35 * lines:.2f}em; }}</style>
</head>
<body class="{"embedded" if embedded else "page"}">
<h1>{heading}</h1>
<div class="controls">
<button id="prev" title="previous step (←)">◀ previous</button>
<button id="play" title="play / pause (space)">▶ play</button>
<button id="next" title="next step (→)">next ▶</button>
<input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
<span id="counter"></span>
<button id="zoom" title="natural size (z)">100 %</button>
<span class="hint">← → step, space plays, Home/End jump</span>
</div>
<div id="formula"></div>
<div id="stage">{svg}</div>
<script type="application/json" id="state">{data}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def iframe(steps: Steps, *, renderer: str | None = None) -> str:
    """The page inside an ``<iframe srcdoc>``: how a notebook shows it, isolated from the
    notebook and from other steppers (its ids, script and keys stay in its own document)."""
    document = page(steps, embedded=True, renderer=renderer)
    box = ElementTree.fromstring(steps.layout_svg(renderer=renderer)).get("viewBox", "0 0 1 1")
    width, height = (float(v) * PX_PER_PT for v in box.split()[2:])
    # the frame's first height, before its script measures the page: the graph fitted to a
    # typical output width, plus the heading, the controls and the step's text
    fitted = height * min(MAX_SCALE, 900 / max(width, 1.0))
    first_height = int(fitted + 140 + 20 * max(len(f.formulas) for f in steps))
    return (
        f'<iframe srcdoc="{html.escape(document, quote=True)}" '
        f'style="width: 100%; height: {first_height}px; border: none;" '
        f'title="{html.escape(title(steps))}"></iframe>'
    )
