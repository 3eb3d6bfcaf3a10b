"""Checks the chapters run on a reader's parameters before computing anything.

Each raises ValueError naming the parameter, what it must be, and what it got, so that a
rerun with a bad value stops in one line (the runner shows only that line).
"""
from __future__ import annotations

import math
import numbers

import pandas as pd

from shockbook.data import catalog


def tickers(name: str, values, most: int | None = None) -> list[str]:
    """A non-empty list of tickers the cache holds (at most ``most``)."""
    if not isinstance(values, (list, tuple)) or not values or not all(isinstance(t, str) for t in values):
        raise ValueError(f"{name} must be a non-empty list of tickers, e.g. ['NVDA', '688256.SS']; got {values!r}.")
    if most is not None and len(values) > most:
        raise ValueError(f"{name} may hold at most {most} tickers; got {len(values)}.")
    for t in values:
        try:
            catalog.get(t)
        except KeyError as exc:
            raise ValueError(f"{name}: {exc.args[0]}") from None
    return list(values)


def date(name: str, value, lo: str = catalog.START, hi: str = catalog.END) -> pd.Timestamp:
    """A YYYY-MM-DD date between ``lo`` and ``hi`` (by default, the cache's window)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a date written YYYY-MM-DD; got {value!r}.")
    if not value.strip():
        raise ValueError(f"{name} is empty; give a date written YYYY-MM-DD between {lo} and {hi}.")
    try:
        day = pd.to_datetime(value, format="%Y-%m-%d")  # strict: '27/01/2025' is ambiguous elsewhere
    except (ValueError, TypeError):
        day = pd.NaT
    if pd.isna(day):
        raise ValueError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD.")
    if not pd.Timestamp(lo) <= day <= pd.Timestamp(hi):
        raise ValueError(f"{name} must lie between {lo} and {hi}; got {value}.")
    return day


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _interval(lo: float, hi: float, lo_inc: bool, hi_inc: bool) -> str:
    """The interval in the usual notation: (0, 20] is "above 0, at most 20"."""
    return f"{'[' if lo_inc else '('}{_num(lo)}, {_num(hi)}{']' if hi_inc else ')'}"


def number(name: str, value, lo: float, hi: float, unit: str, *, lo_inc: bool = True, hi_inc: bool = True,
           whole: bool = False) -> float:
    """A finite number in the interval from ``lo`` to ``hi`` (bounds included unless said otherwise).

    ``whole`` asks for an integer (a count of sessions, tokens, GPUs). The message shows the interval
    in the usual notation — (0, 20] is "above 0, at most 20" — with the unit.
    """
    rng = _interval(lo, hi, lo_inc, hi_inc)
    what = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (whole and not isinstance(value, numbers.Integral)):
        raise ValueError(f"{name} must be {what} in {rng} {unit}; got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number in {rng} {unit}; got {value!r}")
    if not ((x >= lo if lo_inc else x > lo) and (x <= hi if hi_inc else x < hi)):
        raise ValueError(f"{name} must be in {rng} {unit}; got {value!r}")
    return x


# --------------------------------------------------------------------------- one spec per chapter
#
# A chapter's parameters are declared once, as a frozen dataclass whose fields are made with
# :func:`param`. The same declaration checks the values a notebook passes, reads the strings a
# reader types after ``-p`` on the command line, and writes the "Rerun this chapter" box.

import ast  # noqa: E402
from dataclasses import dataclass, field, fields  # noqa: E402
from typing import Any, Callable  # noqa: E402


@dataclass(frozen=True)
class Kind:
    """How a parameter is written on the command line, and what it must be."""

    name: str
    parse: Callable[[str], Any]
    example: str


def _as_list(raw: str) -> list:
    text = raw.strip()
    if text.startswith("["):  # a Python list, as a reader may copy it from the parameters cell
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError(f"{raw!r} is not a list; write it as A,B,C or ['A', 'B', 'C']") from None
        if not isinstance(value, list):
            raise ValueError(f"{raw!r} is not a list")
        return value
    return [v.strip() for v in text.split(",") if v.strip()]


def _as_int_list(raw: str) -> list[int]:
    try:
        return [int(v) for v in _as_list(raw)]
    except (TypeError, ValueError):
        raise ValueError(f"{raw!r} is not a list of whole numbers; write it as -5,5") from None


def _as_number(cast):
    def parse(raw: str):
        try:
            return cast(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not {'a whole number' if cast is int else 'a number'}") from None
    return parse


def _as_bool(raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise ValueError(f"{raw!r} is not true or false")
    return raw.lower() == "true"


DATE = Kind("date", str, "2025-01-27")
TEXT = Kind("text", str, "^GSPC")
TICKERS = Kind("tickers", _as_list, "NVDA,AMD")
WHOLE = Kind("whole number", _as_number(int), "250")
NUMBER = Kind("number", _as_number(float), "2.0")
WHOLES = Kind("list of whole numbers", _as_int_list, "-5,5")
NUMBERS = Kind("list of numbers", lambda raw: [float(v) for v in _as_list(raw)], "1,2")
FLAG = Kind("true or false", _as_bool, "true")


def param(default, kind: Kind, help: str, check: Callable[[str, Any], Any], valid: "str | Callable[[], str]") -> Any:
    """A field of a chapter's ``Params``: its default, how it is typed, what it is for, and its check.

    ``check(name, value)`` returns the value as the chapter uses it or raises ValueError in one
    line; ``valid`` says in words which values pass ("a New York trading day from … to …").
    """
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default, metadata={"kind": kind, "help": help, "check": check, "valid": valid})


@dataclass(frozen=True)
class Bounds:
    """A number in an interval, with its unit: the one declaration a bounded parameter is made from.

    It checks a value (a whole number stays an ``int``, any other number becomes a ``float``), says in
    words which values pass, and its ``whole`` tells the runner how to read the number typed after ``-p``.
    """

    lo: float
    hi: float
    unit: str
    lo_inc: bool = True
    hi_inc: bool = True
    whole: bool = False

    def check(self, name: str, value) -> float:
        x = number(name, value, self.lo, self.hi, self.unit, lo_inc=self.lo_inc, hi_inc=self.hi_inc,
                   whole=self.whole)
        return int(value) if self.whole else x

    def interval(self) -> str:
        return _interval(self.lo, self.hi, self.lo_inc, self.hi_inc)

    def words(self) -> str:
        """'a number above 0 and at most 20 (USD per GPU-hour)'."""
        what = "a whole number" if self.whole else "a number"
        low = f"{'at least' if self.lo_inc else 'above'} {_num(self.lo)}"
        high = f"{'at most' if self.hi_inc else 'below'} {_num(self.hi)}"
        return f"{what} {low} and {high} ({self.unit})"


def bounded(default, help: str, bounds: Bounds) -> Any:
    """A field of a chapter's ``Params`` that is a number within ``bounds``: its check, its kind on the
    command line and its valid values in the "Rerun this chapter" box all come from ``bounds``."""
    return field(default=default, metadata={"kind": WHOLE if bounds.whole else NUMBER, "help": help,
                                            "check": bounds.check, "valid": bounds.words(), "bounds": bounds})


def unchanged(check: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    """``check`` run for its error only: the value is kept as given (a date stays the string it was)."""
    def run(name, value):
        check(name, value)
        return value
    return run


class ChapterParams:
    """Base of every chapter's frozen ``Params``: checks each value once, when it is made."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            checked = f.metadata["check"](f.name, list(value) if isinstance(value, tuple) else value)
            object.__setattr__(self, f.name, tuple(checked) if isinstance(checked, list) else checked)
        self.check_together()

    def check_together(self) -> None:
        """Checks that involve several parameters (override where a chapter needs them)."""

    @classmethod
    def specs(cls) -> dict[str, dict]:
        return {f.name: {"default": f.default, **f.metadata} for f in fields(cls)}

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {f.name: (list(f.default) if isinstance(f.default, tuple) else f.default) for f in fields(cls)}

    @classmethod
    def from_namespace(cls, namespace: dict) -> "ChapterParams":
        """The notebook's parameters (its globals after papermill injected a reader's values)."""
        return cls(**{name: namespace[name] for name in cls.specs()})

    @classmethod
    def parse_cli(cls, given: dict[str, str]) -> dict[str, Any]:
        """Strings typed after ``-p`` turned into values; one line naming the parameter otherwise."""
        specs = cls.specs()
        out = {}
        for name, raw in given.items():
            if name not in specs:
                raise ValueError(f"no parameter {name!r}; the parameters are: {', '.join(specs)}.")
            kind = specs[name]["kind"]
            try:
                out[name] = kind.parse(raw)
            except ValueError as exc:
                raise ValueError(f"parameter {name}: {exc} (a {kind.name}, e.g. {kind.example}).") from None
        cls(**{**cls.defaults(), **out})  # check them all now, before anything runs
        return out

    @classmethod
    def table(cls) -> list[dict[str, str]]:
        """One row per parameter: name, default, what it is for, which values are valid."""
        rows = []
        for name, s in cls.specs().items():
            d = s["default"]
            shown = ",".join(map(str, d)) if isinstance(d, tuple) else str(d)
            valid = s["valid"]() if callable(s["valid"]) else s["valid"]
            rows.append({"name": name, "default": shown, "help": s["help"], "valid": valid})
        return rows
