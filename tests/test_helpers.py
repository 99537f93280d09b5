"""The suite's own machinery that a test depends on to mean something."""

from __future__ import annotations

import sys

import pytest

from helpers import untraced


def test_untraced_stops_every_tracer_and_restarts_it():
    outside = sys.gettrace()  # coverage's tracer under `make test`, None under `pytest` alone
    with untraced():
        assert sys.gettrace() is None
    assert type(sys.gettrace()) is type(outside)  # a tracer again (a new one), or none as before


@pytest.mark.untraced
def test_the_untraced_mark_stops_the_tracer():
    assert sys.gettrace() is None
