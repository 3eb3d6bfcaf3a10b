"""What a chapter's section shows, as one object: its numbers, its tables, its figures.

A chapter module has one function per section; each returns a :class:`Section`. The notebook
shows it with ``section.show()`` in one small cell, which glues every value under the name the
prose refers to. Keeping the values apart from how they are shown lets the same section be shown
in another language (dates and data-dependent words are formatted at show time, from
:mod:`shockbook.site.words`) and in a reader's rerun.

Values in ``numbers`` are kept raw: floats and ints as computed (the prose's format spec, e.g.
``{glue:text}`nvda_drop:.2f```, decides the digits), :class:`Day` for dates, :class:`Word` for
words chosen from the data ("fell" or "rose"), :class:`Cite` for a citation of a fact, and plain
strings for names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Day:
    """A date shown in prose ('27 January 2025'; without the year if ``year`` is False)."""

    date: Any
    year: bool = True

    def text(self, lang: str = "en") -> str:
        from shockbook.site import words

        return words.day(self.date, year=self.year, lang=lang)


@dataclass(frozen=True)
class Word:
    """A word the data choose (see :data:`shockbook.site.words.VOCABULARY`), e.g. ``Word("fell")``."""

    key: str

    def text(self, lang: str = "en") -> str:
        from shockbook.site import words

        return words.word(self.key, lang)


@dataclass(frozen=True)
class Phrase(Word):
    """A sentence the data choose, with its values: ``VOCABULARY[key]`` formatted with ``values``.

    ``values`` is a tuple of (name, value) pairs; Day and Word values become text in the edition's
    language, numbers keep the format spec the vocabulary entry gives them ("{pct:+.1f}").
    """

    values: tuple = ()

    def text(self, lang: str = "en") -> str:
        from shockbook.site import words

        shown = {k: (v.text(lang) if isinstance(v, (Day, Word)) else v) for k, v in self.values}
        return words.word(self.key, lang).format(**shown)


@dataclass(frozen=True)
class Cite:
    """A citation of a fact in prose: ``Cite("RSP-19")`` (or ``Cite(fact)``).

    Shown as the compact marker (:func:`shockbook.data.facts.marker`, a superscript link to the
    fact's row on the Sources page), glued as markdown: the prose says ``{glue:md}`name```. The
    long source line (:func:`shockbook.data.facts.cite`) stays where a reader cannot follow a link
    (chart tooltips and subtitles, table cells). The fact must exist, so a typo fails at execution.
    """

    fact: Any

    def __post_init__(self):
        from shockbook.data import facts

        fid = self.fact.id if isinstance(self.fact, facts.Fact) else str(self.fact)
        facts.fact(fid)  # raises FactsError (one line) for an unknown id
        object.__setattr__(self, "fact", fid)

    def markdown(self) -> str:
        from shockbook.data import facts

        return facts.marker(self.fact)


@dataclass(frozen=True)
class Table:
    """A table with its own column labels and number formats ({column: '{:+.1f}'}).

    ``cites`` ({column: the fact id of each row, in row order; "" for none}) puts a fact's citation
    marker after its row's cell in that column, so a source line in a table links to the Sources row.
    """

    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    index: bool = False
    cites: dict[str, Any] = field(default_factory=dict)

    def html(self, name: str):
        from shockbook.site import book

        frame = self.frame
        if self.cites:
            frame = frame.copy()
            for column, ids in self.cites.items():
                ids = list(ids)
                if len(ids) != len(frame):
                    raise ValueError(f"{name}: {len(ids)} fact ids for the {len(frame)} rows of column {column!r}.")
                frame[column] = [f"{cell}{Cite(fid).markdown()}" if fid else cell
                                 for cell, fid in zip(frame[column], ids)]
        return book.table(frame, name, self.formats, self.labels, index=self.index)


@dataclass(frozen=True)
class Figure:
    """A chart and the data it shows (written beside the chapter as figdata/<name>.csv)."""

    chart: Any
    data: pd.DataFrame


@dataclass
class Section:
    """One section's numbers, tables and figures, each under the name the prose uses.

    ``tables`` are keyed by their glue name (``tbl-…-table``), ``figures`` by theirs
    (``fig-…-chart``). ``shown`` holds what the section's cell displays directly (e.g. the claims
    of the chapter), in order.
    """

    numbers: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    shown: list[Any] = field(default_factory=list)

    def value(self, name: str, lang: str = "en"):
        """A number as glued: Day and Word become text in ``lang``, a Cite its marker (markdown)."""
        v = self.numbers[name]
        if isinstance(v, (Day, Word)):
            return v.text(lang)
        if isinstance(v, Cite):
            from IPython.display import Markdown

            return Markdown(v.markdown())
        return v

    def show(self, lang: str = "en") -> None:
        """Glue every figure, table and number (in that order), then display what is shown."""
        from IPython.display import display

        from shockbook.site import book

        for name, fig in self.figures.items():
            book.figure(name, fig.chart, fig.data)
        for name, tab in self.tables.items():
            book.glue(name, tab.html(name.removesuffix("-table").removeprefix("tbl-")))
        for name in self.numbers:
            book.glue(name, self.value(name, lang))
        for item in self.shown:
            display(item)
