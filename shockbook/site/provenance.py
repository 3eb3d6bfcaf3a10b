"""How charts say where their data came from: the source lines under a chart, and the marks that
show how well each dated fact is sourced (shared by the chapters that draw timelines)."""
from __future__ import annotations

import altair as alt

SOURCE_US = "daily closes from Yahoo Finance, cross-checked with Interactive Brokers (book cache)"
SOURCE_MIXED = "daily closes from Yahoo Finance, Interactive Brokers and Tushare via public repositories (book cache)"
SOURCE_FACTS = "the book's facts table (data/facts/facts.csv), each row's source in the tooltip"

#: Reliability labels of the facts table, strongest first, then events only an article reports.
ARTICLE_ONLY = "Article only"
CONFIDENCE_ORDER = ["Primary", "Well-sourced", "MEDIUM", "LOW-MEDIUM", "UNVERIFIED", "CONFLICT", "derived",
                    ARTICLE_ONLY]
CONFIDENCE_SHAPES = ["circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "circle",
                     "triangle-left"]
CONFIDENCE_OPACITY = [1.0, 0.95, 0.8, 0.65, 0.5, 0.55, 0.9, 0.4]
CONFIDENCE_TEXT = {
    "Primary": "the party's own document",
    "Well-sourced": "several agreeing or reputable reports",
    "MEDIUM": "one secondary source",
    "LOW-MEDIUM": "an aggregator or tertiary source",
    "UNVERIFIED": "the item is sourced, but this date or figure is not",
    "CONFLICT": "sources disagree",
    "derived": "computed from other facts",
    ARTICLE_ONLY: "reported only by a source article; no independent source in the book",
}


def confidence_scale(present: list[str]) -> tuple[alt.Scale, alt.Scale]:
    """Shape and opacity scales over the confidence labels in ``present``, in strength order."""
    dom = [c for c in CONFIDENCE_ORDER if c in set(present)]
    idx = [CONFIDENCE_ORDER.index(c) for c in dom]
    return (alt.Scale(domain=dom, range=[CONFIDENCE_SHAPES[i] for i in idx]),
            alt.Scale(domain=dom, range=[CONFIDENCE_OPACITY[i] for i in idx]))
