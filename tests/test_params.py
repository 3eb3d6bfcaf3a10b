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
