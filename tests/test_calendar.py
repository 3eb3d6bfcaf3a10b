"""The markets' calendars: the session nearest a date, on either side (real NVDA and Taipei sessions)."""
from __future__ import annotations

import pandas as pd
import pytest

from shockbook.analysis import calendar

# NVDA traded on Friday 24 and Monday 27 January 2025; the 25th and 26th were a weekend.
FRI, SAT, MON = "2025-01-24", "2025-01-25", "2025-01-27"


@pytest.mark.parametrize("side, date, expected", [
    ("before", MON, FRI), ("on or before", MON, MON), ("before", SAT, FRI), ("on or before", SAT, FRI),
    ("after", FRI, MON), ("on or after", FRI, FRI), ("after", SAT, MON), ("on or after", SAT, MON),
])
def test_nearest_session_on_each_side(side, date, expected):
    assert calendar.nearest_session("NVDA", date, side) == pd.Timestamp(expected)


def test_the_named_readers_are_the_four_sides():
    assert calendar.last_session_before("NVDA", MON) == pd.Timestamp(FRI)
    assert calendar.last_session_on_or_before("NVDA", MON) == pd.Timestamp(MON)
    assert calendar.first_session_after("NVDA", FRI) == pd.Timestamp(MON)
    assert calendar.first_session_on_or_after("NVDA", SAT) == pd.Timestamp(MON)


def test_each_market_keeps_its_own_calendar():
    # Taipei was closed for the Lunar New Year from 23 January to 2 February 2025.
    assert calendar.first_session_after("2330.TW", "2025-01-24") > pd.Timestamp(MON)
    assert calendar.first_session_after("NVDA", "2025-01-24") == pd.Timestamp(MON)


def test_past_the_data_is_one_clear_line():
    first, last = calendar.sessions("NVDA")[0], calendar.sessions("NVDA")[-1]
    with pytest.raises(ValueError, match=f"NVDA has no session before {first:%Y-%m-%d} in the data "
                                         f"\\(it starts on {first:%Y-%m-%d}\\)"):
        calendar.last_session_before("NVDA", first)
    with pytest.raises(ValueError, match=f"no session on or after .* \\(it ends on {last:%Y-%m-%d}\\)"):
        calendar.first_session_on_or_after("NVDA", last + pd.Timedelta(days=1))
    assert calendar.last_session_on_or_before("NVDA", first) == first


def test_sessions_are_a_copy_the_caller_may_rename():
    idx = calendar.sessions("NVDA")
    idx.name = "changed"
    assert calendar.sessions("NVDA").name != "changed"


def test_an_unknown_side_is_refused():
    with pytest.raises(KeyError):
        calendar.nearest_session("NVDA", MON, "around")
