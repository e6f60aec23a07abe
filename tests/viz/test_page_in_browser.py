"""The stepper page in a real browser (headless Chromium): keys, buttons, #stepN, fit, no errors."""

from __future__ import annotations

import pytest

from chainrule.viz import render_steps, steps
from tests.chromium import Browser, chromium_path
from tests.viz.viz_graphs import labelled_mlp, lecture_graph

ACTIVE = "[...document.querySelectorAll('g.active')].map(g => g.id).sort()"
COUNTER = "document.getElementById('counter').textContent"
THETA1 = "document.querySelector('#v0 text.grad').textContent"


@pytest.fixture(scope="module")
def browser():
    chromium_path()  # skips outside CI when there is no browser
    with Browser() as opened:
        yield opened


@pytest.fixture(scope="module")
def lecture_page(tmp_path_factory):
    loss, *_ = lecture_graph()
    frames = steps(loss)
    page = frames.render(tmp_path_factory.mktemp("lecture"))
    expected = [sorted({f"v{frame.active}", f"op{frame.active}", *frame.edges}) for frame in frames]
    return page, expected


def test_next_and_previous_move_the_active_node(browser, lecture_page):
    page, expected = lecture_page
    browser.open(page.as_uri())
    assert browser.run(COUNTER) == "step 0 of 4"
    assert browser.run(ACTIVE) == expected[0]
    browser.run("document.getElementById('next').click()")
    assert browser.run(ACTIVE) == expected[1]
    browser.key("ArrowRight", key_code=39)
    assert browser.run(ACTIVE) == expected[2]
    assert browser.run(COUNTER) == "step 2 of 4"
    browser.run("document.getElementById('prev').click()")
    assert browser.run(ACTIVE) == expected[1]
    browser.key("End", key_code=35)
    assert browser.run(THETA1) == "grad 15"  # ∂L/∂θ1 at the last step
    browser.key("ArrowLeft", key_code=37)
    assert browser.run(THETA1) == "grad —"  # not computed yet one step earlier
    assert browser.run("location.hash") == "#step3"
    assert browser.errors() == []


def test_an_address_with_step3_opens_at_step_3(browser, lecture_page):
    page, expected = lecture_page
    browser.open(page.as_uri() + "#step3")
    assert browser.run(COUNTER) == "step 3 of 4"
    assert browser.run(ACTIVE) == expected[3]
    assert browser.run("document.getElementById('slider').value") == "3"
    assert "∂L/∂a" in browser.run("document.getElementById('formula').textContent")
    assert browser.errors() == []


def test_the_whole_graph_fits_a_projector(browser, lecture_page, tmp_path):
    page, _ = lecture_page
    browser.open(page.as_uri())
    box = browser.run(
        "(() => { const r = document.querySelector('#stage svg').getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })()"
    )
    left, top, right, bottom = box
    assert 0 <= left and right <= 1024 and 0 <= top and bottom <= 768
    assert right - left > 700  # fitted to the width, not left small
    assert browser.run("document.documentElement.scrollWidth") <= 1024  # no sideways scroll
    shot = browser.screenshot(tmp_path / "lecture-1024x768.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_at_100_percent_the_active_node_stays_in_view(browser, tmp_path):
    page = render_steps(labelled_mlp((2, 4, 4, 1)), tmp_path)
    browser.open(page.as_uri())
    browser.run("document.getElementById('zoom').click()")
    natural = browser.run("document.querySelector('#stage svg').viewBox.baseVal.width * 4 / 3")
    width = browser.run("document.querySelector('#stage svg').getBoundingClientRect().width")
    assert width == pytest.approx(natural, abs=1)
    assert width > 1024  # the model does not fit: the stage scrolls
    inside = (
        "(() => { const a = document.querySelector('g.node.active').getBoundingClientRect();"
        " const s = document.getElementById('stage').getBoundingClientRect();"
        " return a.left >= s.left && a.right <= s.right && a.top >= s.top"
        " && a.bottom <= s.bottom; })()"
    )
    last = browser.run("Number(document.getElementById('slider').max)")
    for step in (1, last // 2, last):
        browser.run(f"location.hash = '#step{step}'")
        browser.run("new Promise(r => setTimeout(r, 50))")
        assert browser.run(COUNTER) == f"step {step} of {last}"
        assert browser.run(inside), step
    browser.run("document.getElementById('zoom').click()")  # back to fit
    assert browser.run("document.documentElement.scrollWidth") <= 1024
    assert browser.errors() == []
