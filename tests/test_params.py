"""The parameter checks every chapter runs on a reader's values."""
from __future__ import annotations

import pytest

from shockbook import params


@pytest.mark.parametrize("value, kwargs, message", [
    (0, {"lo_inc": False}, r"rate must be in \(0, 20\] USD; got 0"),
    (21, {}, r"rate must be in \[0, 20\] USD; got 21"),
    ("2", {}, r"rate must be a number in \[0, 20\] USD; got '2'"),
    (True, {}, "must be a number"),
    (float("inf"), {}, "must be a finite number"),
    (2.5, {"whole": True}, r"rate must be a whole number in \[0, 20\] USD; got 2.5"),
])
def test_number_refuses_with_the_interval_and_unit(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        params.number("rate", value, 0, 20, "USD", **kwargs)


def test_number_accepts_and_returns_a_float():
    assert params.number("rate", 3, 0, 20, "USD") == 3.0
    assert params.number("n", 20, 0, 20, "GPUs", whole=True) == 20.0


def test_tickers_and_dates():
    assert params.tickers("t", ["NVDA", "^GSPC"]) == ["NVDA", "^GSPC"]
    with pytest.raises(ValueError, match="t may hold at most 1 tickers"):
        params.tickers("t", ["NVDA", "AMD"], most=1)
    with pytest.raises(ValueError, match="d '2025-13-01' is not a date"):
        params.date("d", "2025-13-01")
    assert params.date("d", "2025-01-27", lo="2025-01-01", hi="2025-01-31").day == 27


# --------------------------------------------------------------------------- bounded parameters


def _bounded_params():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class P(params.ChapterParams):
        rate: float = params.bounded(2.0, "US$ an hour", params.Bounds(0, 20, "USD per GPU-hour", lo_inc=False))
        days: int = params.bounded(10, "sessions", params.Bounds(1, 60, "trading days", whole=True))

    return P


def test_bounds_check_keeps_whole_numbers_whole_and_makes_others_float():
    b = params.Bounds(1, 60, "trading days", whole=True)
    assert b.check("days", 5) == 5 and type(b.check("days", 5)) is int
    r = params.Bounds(0, 20, "USD", lo_inc=False)
    assert r.check("rate", 3) == 3.0 and type(r.check("rate", 3)) is float
    with pytest.raises(ValueError, match=r"days must be a whole number in \[1, 60\] trading days; got 2.5"):
        b.check("days", 2.5)
    with pytest.raises(ValueError, match=r"rate must be in \(0, 20\] USD; got 0"):
        r.check("rate", 0)


@pytest.mark.parametrize("bounds, words", [
    (params.Bounds(0, 20, "USD per GPU-hour", lo_inc=False), "a number above 0 and at most 20 (USD per GPU-hour)"),
    (params.Bounds(1, 60, "trading days", whole=True), "a whole number at least 1 and at most 60 (trading days)"),
    (params.Bounds(0, 100, "percent", hi_inc=False), "a number at least 0 and below 100 (percent)"),
    (params.Bounds(0, 1e9, "tasks"), "a number at least 0 and at most 1,000,000,000 (tasks)"),
])
def test_bounds_say_their_interval_in_words(bounds, words):
    assert bounds.words() == words


def test_one_bounded_declaration_drives_the_check_the_command_line_and_the_box():
    P = _bounded_params()
    specs = P.specs()
    assert specs["days"]["kind"] is params.WHOLE and specs["rate"]["kind"] is params.NUMBER
    assert specs["days"]["valid"] == specs["days"]["bounds"].words()
    assert P.parse_cli({"days": "20", "rate": "3.5"}) == {"days": 20, "rate": 3.5}
    with pytest.raises(ValueError, match="parameter days: '2.5' is not a whole number"):
        P.parse_cli({"days": "2.5"})
    with pytest.raises(ValueError, match=r"days must be in \[1, 60\] trading days; got 61"):
        P.parse_cli({"days": "61"})
    rows = {r["name"]: r for r in P.table()}
    assert rows["rate"]["valid"] == "a number above 0 and at most 20 (USD per GPU-hour)"
    p = P(days=3)
    assert p.days == 3 and type(p.days) is int and type(p.rate) is float


def test_unchanged_checks_but_hands_the_value_back_as_given():
    keep_date = params.unchanged(params.date)
    assert keep_date("d", "2025-01-27") == "2025-01-27"
    with pytest.raises(ValueError, match="is not a date"):
        keep_date("d", "2025-13-01")
