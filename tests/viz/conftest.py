"""Fixtures for the viz tests (the graphs themselves are in viz_graphs.py)."""

from __future__ import annotations

import pytest

from tests.viz.viz_graphs import lecture_graph


@pytest.fixture
def lecture():
    return lecture_graph()
