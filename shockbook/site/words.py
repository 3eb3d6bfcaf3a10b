"""Words and dates as the prose shows them, in each of the book's languages.

The analysis never writes English: it returns a key ("fell", "rose", …) or a date, and this
module turns it into text for the edition being built.
"""
from __future__ import annotations

import pandas as pd

LANGUAGES = ("en",)

#: Words the data choose. Keys are the English words; add a language by adding a column.
VOCABULARY: dict[str, dict[str, str]] = {
    "fell": {"en": "fell"},
    "rose": {"en": "rose"},
    "was unchanged": {"en": "was unchanged"},
    "lower": {"en": "lower"},
    "higher": {"en": "higher"},
    "down": {"en": "down"},
    "up": {"en": "up"},
    "deepened": {"en": "deepened"},
    "eased": {"en": "eased"},
    "reversed": {"en": "reversed"},
    "lost": {"en": "lost"},
    "gained": {"en": "gained"},
    # chapters 2 and 3: comparisons of a rerun's values with the book's, and the grid's cells
    "higher than": {"en": "higher than"},
    "lower than": {"en": "lower than"},
    "equal to": {"en": "equal to"},
    "inside": {"en": "inside"},
    "outside": {"en": "outside"},
    "cheaper": {"en": "cheaper"},
    "dearer": {"en": "dearer"},
    "more": {"en": "more"},
    "fewer": {"en": "fewer"},
    "as many": {"en": "as many"},
    "above": {"en": "above"},
    "below": {"en": "below"},
    "profit": {"en": "profit"},
    "loss": {"en": "loss"},
    "overstates": {"en": "overstates"},
    "understates": {"en": "understates"},
    "matches": {"en": "matches"},
    "around": {"en": "around"},
    "high": {"en": "high"},
    "low": {"en": "low"},
    "neither": {"en": "neither"},
    "V3's own run": {"en": "— V3's own run"},
    "not V3's run": {"en": "— a cell of this rerun's grid, not V3's own run"},
    "and": {"en": "and"},
    "held": {"en": "held"},
    "did not hold": {"en": "did not hold"},
    "ahead": {"en": "ahead"},
    "behind": {"en": "behind"},
    "level": {"en": "level"},
    "smaller": {"en": "smaller"},
    "larger": {"en": "larger"},
}


def word(key: str, lang: str = "en") -> str:
    try:
        return VOCABULARY[key][lang]
    except KeyError:
        raise KeyError(f"no word {key!r} in {lang!r}: add it to shockbook.site.words.VOCABULARY") from None


def direction(x: float, down: str = "fell", up: str = "rose", flat: str = "was unchanged") -> str:
    """The key of the word for a signed change: ``down`` below zero, ``up`` above, ``flat`` at zero."""
    return down if x < 0 else up if x > 0 else flat


def day(date, year: bool = True, lang: str = "en") -> str:
    """'5 February 2025' (no leading zero) in English."""
    d = pd.Timestamp(date)
    if lang == "en":
        return f"{d.day} {d:%B}" + (f" {d.year}" if year else "")
    raise KeyError(f"no date format for {lang!r}")
