"""The lecture notebook runs in a real Jupyter kernel, and its HTML export works in a browser."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from tests.chromium import Browser, chromium_path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "demos" / "notebooks"
LECTURE = NOTEBOOKS / "backpropagation.ipynb"


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    notebook = nbformat.read(LECTURE, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": NOTEBOOKS}}
    )
    client.execute()
    return notebook


def outputs_of(notebook: nbformat.NotebookNode, source: str) -> list[dict]:
    """The outputs of the one code cell whose source is `source`."""
    cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip() == source]
    assert len(cells) == 1, source
    return cells[0].outputs


def test_the_notebook_is_kept_without_outputs():
    notebook = nbformat.read(LECTURE, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source


def test_every_cell_runs_without_an_error(executed):
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert [o for o in cell.outputs if o.output_type == "error"] == [], cell.source
            streams = [o for o in cell.outputs if o.output_type == "stream"]
            assert all(o.name == "stdout" for o in streams), cell.source  # no warnings


def test_draw_shows_the_graph_as_svg(executed):
    (output,) = outputs_of(executed, "draw(L)")
    svg = output["data"]["image/svg+xml"]
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "grad 15" in svg


def test_steps_shows_the_stepper(executed):
    (output,) = outputs_of(executed, "backward = steps(L)\nbackward")
    page = output["data"]["text/html"]
    assert page.startswith("<iframe srcdoc=")
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert 'id="next"' in inner and 'id="state"' in inner and inner.count("<svg") == 1


def test_a_frame_shows_as_its_picture(executed):
    (output,) = outputs_of(executed, "backward[2]")
    assert "∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5" in output["data"]["image/svg+xml"]


def test_explain_and_the_closed_form(executed):
    printed = "".join(o.text for o in outputs_of(executed, "print(explain(L, wrt=theta1))"))
    assert "∂L/∂θ1 = 15" in printed
    first = executed.cells[1].outputs[0].text
    assert "∂L/∂θ1 = 15.0, ∂L/∂θ2 = -5.0" in first


def test_the_html_export_steps_in_a_browser_and_its_steppers_are_independent(executed, tmp_path):
    chromium_path()  # skips outside CI when there is no browser
    body, _ = HTMLExporter().from_notebook_node(executed)
    page = tmp_path / "backpropagation.html"
    page.write_text(body, encoding="utf-8")
    frames = "[...document.querySelectorAll('iframe')]"
    counters = f"{frames}.map(f => f.contentDocument.getElementById('counter').textContent)"
    active = "{0}[{1}].contentDocument.querySelector('g.node.active').id"
    with Browser() as browser:
        browser.open(page.as_uri())
        assert browser.run(counters) == ["step 0 of 4", "step 0 of 16"]
        first_active = browser.run(active.format(frames, 0))
        browser.run(f"{frames}[0].contentDocument.getElementById('next').click()")
        browser.run(f"{frames}[0].contentWindow.focus()")
        browser.key("ArrowRight", key_code=39)
        assert browser.run(counters) == ["step 2 of 4", "step 0 of 16"]
        assert browser.run(active.format(frames, 0)) != first_active
        browser.run(f"{frames}[1].contentDocument.getElementById('next').click()")
        assert browser.run(counters) == ["step 2 of 4", "step 1 of 16"]
        # each output grew or shrank to its page: no inner scroll bar, no empty band
        fits = (
            f"{frames}.map(f => Math.abs(f.getBoundingClientRect().height"
            " - f.contentDocument.body.getBoundingClientRect().bottom) < 30)"
        )
        assert browser.run(fits) == [True, True]
        # nbconvert's page template fetches require.js and MathJax from the internet
        assert browser.errors(offline_urls=True) == []
        browser.run(f"{frames}[0].scrollIntoView()")
        browser.screenshot(tmp_path / "notebook-export.png")
