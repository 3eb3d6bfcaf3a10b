"""Chapter 6, "Checking the articles": the ledger's summary, full table and charts.

Everything here works on the frame :func:`shockbook.analysis.claims.evaluate` returns (the ledger with
``measured``, ``difference``, ``verdict`` and ``reason``); nothing is typed in. The full table
gives each claim's row the HTML id :func:`shockbook.analysis.claims.anchor` so the other chapters can
link to it.
"""
from __future__ import annotations

import math
from html import escape

import altair as alt
import numpy as np
import pandas as pd

from shockbook.analysis import claims
from shockbook.site import charts

SOURCE = "the book's claims ledger (data/claims.csv), evaluated on its price cache and facts"

VERDICT_COLORS = {claims.CONFIRMED: charts.UP, claims.CLOSE: charts.PALETTE[1],
                  claims.CONTRADICTED: charts.DOWN, claims.ATTRIBUTED: charts.PALETTE[4],
                  claims.NOT_CHECKABLE: charts.PALETTE[-1]}
SCORED = claims.SCORED

# How a value in each unit is written: (before the number, after it).
UNIT_FORMS = {
    "percent": ("", "%"), "points": ("", " points"), "usd": ("$", ""), "usd_billion": ("$", " bn"),
    "usd_million": ("$", " m"), "usd_per_million_tokens": ("$", " per M tokens"),
    "cny_per_million_tokens": ("¥", " per M tokens"), "cny_trillion": ("¥", " trn"), "ratio": ("", "×"),
    "rank": ("No. ", ""), "count": ("", ""), "days": ("", " days"), "billion_parameters": ("", " bn parameters"),
    "million_downloads": ("", " m downloads"),
}

ALL_ARTICLES = list(claims.ARTICLE_KEYS.values())


# ----------------------------------------------------------------------------- parameters


def article_files(name: str, articles) -> list[str]:
    """The article files for a list of bibliography keys (``securitiestimes2025``, ``xinhua2025``,
    ``zhihu2025``, ``jrj2025``, ``twblog2025``); ValueError in one line otherwise."""
    known = ", ".join(ALL_ARTICLES)
    if isinstance(articles, str) or not isinstance(articles, (list, tuple)) or not articles:
        raise ValueError(f"{name} must be a non-empty list of article keys, e.g. ['xinhua2025']; "
                         f"the keys are: {known}.")
    by_key = {k: f for f, k in claims.ARTICLE_KEYS.items()}
    files = []
    for a in articles:
        if a not in by_key:
            raise ValueError(f"{name}: {a!r} is not one of the five articles; the keys are: {known}.")
        if by_key[a] not in files:
            files.append(by_key[a])
    return files


def select(evaluated: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """The claims of the chosen articles (files as :func:`article_files` returns them)."""
    return evaluated[evaluated["article_file"].isin(files)].copy()


def article_label(file: str) -> str:
    outlet, day = claims.ARTICLES[file]
    return f"{outlet}, {day}"


def long_date(text: str) -> str:
    """'2025-01-27' as '27 January 2025', '2025-02' as 'February 2025'."""
    span = claims.parse_date_span(text)
    if span.start == span.end:
        return f"{span.start.day} {span.start:%B %Y}"
    if span.start.month == span.end.month and span.start.year == span.end.year:
        return f"{span.start:%B %Y}"
    return str(span)


# ----------------------------------------------------------------------------- numbers


def signed_tolerances(evaluated: pd.DataFrame) -> pd.Series:
    """For scored claims with a tolerance above zero: the distance that decides the verdict, in
    tolerances, signed by the direction of the error (measured above the claim is positive).

    For a bound (``atleast``/``atmost``) only the shortfall beyond the bound counts, as in
    :func:`shockbook.analysis.claims.verdict`; NaN for unscored claims and for zero tolerances.
    """
    out = []
    for _, r in evaluated.iterrows():
        tol, diff = float(r["tolerance"]), float(r["difference"])
        if r["verdict"] not in SCORED or tol <= 0 or math.isnan(diff):
            out.append(math.nan)
            continue
        kind = claims.parse_spec(r["check"]).kind
        if kind == "atleast":
            diff = min(0.0, diff)
        elif kind == "atmost":
            diff = max(0.0, diff)
        out.append(diff / tol)
    return pd.Series(out, index=evaluated.index, dtype=float)


def _confirmed_share(frame: pd.DataFrame) -> pd.DataFrame:
    """Add 'confirmed_share' (% of scored claims confirmed) and its 95% Wilson 'interval'."""
    checkable = frame[list(SCORED)].sum(axis=1)
    frame["confirmed_share"] = np.where(checkable > 0,
                                        100 * frame[claims.CONFIRMED] / checkable.where(checkable > 0, 1), np.nan)
    bounds = [claims.wilson_interval(int(k), int(n)) for k, n in zip(frame[claims.CONFIRMED], checkable)]
    frame["interval"] = ["–" if math.isnan(lo) else f"{100 * lo:.0f}–{100 * hi:.0f}" for lo, hi in bounds]
    return frame


def kind_table(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Verdicts per kind of claim (in :data:`claims.CLAIM_KINDS` order), with a total row, the share
    of scored claims confirmed and its 95% Wilson interval."""
    counts = pd.crosstab(evaluated["kind"], evaluated["verdict"]).reindex(columns=list(claims.VERDICTS), fill_value=0)
    counts = counts.reindex([k for k in claims.CLAIM_KINDS if k in counts.index])
    counts["claims"] = counts[list(claims.VERDICTS)].sum(axis=1)
    counts.loc["all kinds"] = counts.sum()
    out = counts.reset_index().rename(columns={"index": "kind"})
    out.columns.name = None
    return _confirmed_share(out)[["kind", *claims.VERDICTS, "claims", "confirmed_share", "interval"]]


def uncheckable_table(evaluated: pd.DataFrame) -> pd.DataFrame:
    """The not-checkable claims by reason (:data:`claims.UNCHECKABLE_REASONS` order): how many, and
    which, so a reader can look each one up in the ledger."""
    rows = evaluated[evaluated["verdict"] == claims.NOT_CHECKABLE]
    kinds = rows["reason"].map(claims.uncheckable_kind)
    out = []
    for reason in claims.UNCHECKABLE_REASONS:
        ids = list(rows.loc[kinds == reason, "id"])
        if ids:
            out.append({"reason": reason, "claims": len(ids), "ids": ", ".join(ids)})
    return pd.DataFrame(out, columns=["reason", "claims", "ids"])


UNCHECKABLE_LABELS = {"reason": "Why it cannot be checked", "claims": "Claims", "ids": "Which (ledger ids)"}
KIND_LABELS = {**{k: v for k, v in {
    claims.CONFIRMED: "Confirmed", claims.CLOSE: "Close", claims.CONTRADICTED: "Contradicted",
    claims.ATTRIBUTED: "Attributed, not verified", claims.NOT_CHECKABLE: "Not checkable"}.items()},
    "kind": "Kind of claim", "claims": "Claims", "confirmed_share": "Confirmed of checkable (%)",
    "interval": "95% interval (%)"}


def exclusion_summary(excluded: pd.DataFrame) -> pd.DataFrame:
    """Numbers left out of the ledger, counted by reason (duplicates counted together)."""
    kinds = excluded["reason"].map(claims.exclusion_reason_kind)
    order = ["advertising", "page furniture", "duplicate", "not a claim"]
    counts = kinds.value_counts().reindex(order, fill_value=0)
    return pd.DataFrame({"reason": counts.index, "numbers": counts.to_numpy()})


def exclusion_html(summary: pd.DataFrame) -> str:
    """The count of excluded numbers by reason as a small HTML table."""
    body = "".join(f'<tr><td{_LEFT}>{escape(r)}</td><td{_RIGHT}>{n}</td></tr>'
                   for r, n in zip(summary["reason"], summary["numbers"]))
    return ('<table class="shockbook-table"><thead><tr>'
            f'<th{_LEFT}>Why the number is not a ledger row</th><th{_RIGHT}>Numbers</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def summary_table(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Verdicts per article, with a total row and the share of checkable claims confirmed (%)."""
    s = claims.summary(evaluated).reset_index()
    s["article"] = [article_label(f) if f in claims.ARTICLES else "All articles shown" for f in s["article_file"]]
    s = _confirmed_share(s)
    return s[["article", *claims.VERDICTS, "claims", "confirmed_share", "interval"]]


SUMMARY_LABELS = {"article": "Article", claims.CONFIRMED: "Confirmed", claims.CLOSE: "Close",
                  claims.CONTRADICTED: "Contradicted", claims.ATTRIBUTED: "Attributed, not verified",
                  claims.NOT_CHECKABLE: "Not checkable",
                  "claims": "Claims", "confirmed_share": "Confirmed of checkable (%)",
                  "interval": "95% interval (%)"}
SUMMARY_FORMATS = {"confirmed_share": "{:.0f}"}


def counts(evaluated: pd.DataFrame) -> dict[str, int]:
    """Number of claims per verdict, plus 'claims', 'checkable' and 'articles'."""
    out = {v: int((evaluated["verdict"] == v).sum()) for v in claims.VERDICTS}
    out["claims"] = len(evaluated)
    out["checkable"] = sum(out[v] for v in SCORED)
    out["articles"] = int(evaluated["article_file"].nunique())
    return out


def claim(evaluated: pd.DataFrame, claim_id: str) -> pd.Series:
    """One evaluated claim by id (KeyError naming the id if it is not in the frame)."""
    rows = evaluated[evaluated["id"] == claim_id]
    if rows.empty:
        raise KeyError(f"no claim {claim_id!r} in the evaluated ledger")
    return rows.iloc[0]


# ----------------------------------------------------------------------------- the full table


def _num(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        s = f"{v:,.0f}"
    else:
        s = f"{v:.5g}"
    return s.replace("-", "−")


def format_value(value, unit: str, bound: str | None = None) -> str:
    """A claimed or measured value as a reader expects it: '−16.97 %', '≥ 300 $ billion', 'fell'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "date":
        return str(value).replace("..", " to ")
    v = float(value)
    if unit == "sign":
        return {-1.0: "fell", 0.0: "unchanged", 1.0: "rose"}.get(v, _num(v))
    bound_sign = {"atleast": "≥ ", "atmost": "≤ "}.get(bound or "", "")
    before, after = UNIT_FORMS.get(unit, ("", f" {unit}"))
    sign = "−" if v < 0 else ""
    return f"{bound_sign}{sign}{before}{_num(abs(v))}{after}"


def _difference(r: pd.Series) -> str:
    d = r["difference"]
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "–"
    if r["unit"] == "date":
        return f"{d:+.0f} day{'' if abs(d) == 1 else 's'}".replace("-", "−")
    if r["unit"] == "sign":
        return "wrong direction" if d != 0 else "0"
    s = _num(float(d))
    return s if s.startswith("−") or s == "0" else "+" + s


def _tolerance(r: pd.Series) -> str:
    if claims.parse_spec(r["check"]).kind in ("none", "info"):
        return "–"
    t = float(r["tolerance"])
    if r["unit"] == "date":
        return f"{t:.0f} day{'' if t == 1 else 's'}"
    if r["unit"] == "sign":
        return "exact"
    return _num(t)


_LEFT = ' style="text-align:left;padding:0.2em 0.35em"'
_RIGHT = ' style="text-align:right;padding:0.2em 0.35em"'


def ledger_html(evaluated: pd.DataFrame) -> str:
    """The full ledger as an HTML table, two rows per claim: the figures, then what the claim
    refers to, the note and the check. The first row's id is ``claims.anchor(id)``."""
    head = [("Id", _LEFT), ("Claim and article", _LEFT), ("Claimed", _RIGHT), ("Measured", _RIGHT),
            ("Off by", _RIGHT), ("Tolerance", _RIGHT), ("Verdict", _LEFT)]
    rows = []
    for _, r in evaluated.iterrows():
        spec = claims.parse_spec(r["check"])
        bound = spec.kind if spec.kind in ("atleast", "atmost") else None
        measured = escape(format_value(r["measured"], r["unit"]))
        if spec.kind == "info" and measured != "–":
            measured += '<br><span class="claim-source">context</span>'
        reason = str(r["reason"])
        why = [f"<em>{escape(r['subject'])}, {escape(r['ref_date'])}: {escape(r['convention'])}.</em>",
               escape(r["note"])]
        if r["verdict"] == claims.NOT_CHECKABLE:
            why.append(f"<strong>Why not checkable:</strong> {escape(reason)}.")
        elif reason:
            why.append(f"Data: {escape(reason)}.")
        why.append(f'Check: <code style="white-space:normal;overflow-wrap:anywhere">{escape(r["check"])}</code>')
        cells = [
            (f'<a href="#{claims.anchor(r["id"])}"><strong>{escape(r["id"])}</strong></a>', _LEFT),
            (f'{escape(r["claim"])}<br><span class="claim-source">{escape(r["outlet"])}, '
             f'{escape(r["article_date"])}</span>', ' style="text-align:left;padding:0.2em 0.35em;min-width:11em"'),
            (escape(format_value(r["claimed_value"], r["unit"], bound)), _RIGHT),
            (measured, _RIGHT),
            (escape(_difference(r)), _RIGHT),
            (escape(_tolerance(r)), _RIGHT),
            (f'<span class="verdict {claims.VERDICT_CSS[r["verdict"]]}" style="white-space:normal">'
             f'{escape(r["verdict"])}</span>', _LEFT),
        ]
        rows.append(f'<tr id="{claims.anchor(r["id"])}" class="ledger-claim">'
                    + "".join(f"<td{style}>{c}</td>" for c, style in cells) + "</tr>")
        rows.append('<tr class="ledger-note"><td></td>'
                    f'<td colspan="6" style="text-align:left;font-size:0.9em;color:#555;padding-bottom:0.8em">'
                    f'{" ".join(why)}</td></tr>')
    return ('<div class="shockbook-ledger" style="overflow-x:auto">'
            '<table class="shockbook-table shockbook-ledger-table" style="width:100%">'
            "<thead><tr>" + "".join(f"<th{style}>{h}</th>" for h, style in head) + "</tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table></div>")


def ledger(evaluated: pd.DataFrame):
    """:func:`ledger_html` as a displayable object (for glue)."""
    from IPython.display import HTML

    return HTML(ledger_html(evaluated))


def ledger_csv(evaluated: pd.DataFrame) -> pd.DataFrame:
    """The evaluated ledger as plain columns (the data behind the full table)."""
    out = evaluated.copy()
    out["measured"] = [("" if v is None else str(v)) if not isinstance(v, float) else v for v in out["measured"]]
    return out


# ----------------------------------------------------------------------------- charts


def _verdict_color(legend: bool = True) -> alt.Color:
    return alt.Color("verdict:N", title="Verdict",
                     scale=alt.Scale(domain=list(VERDICT_COLORS), range=list(VERDICT_COLORS.values())),
                     sort=list(VERDICT_COLORS), legend=alt.Legend(columns=4) if legend else None)


def verdict_counts(evaluated: pd.DataFrame, by: str) -> pd.DataFrame:
    """Long table of claims per (``by``, verdict), with the share of the group (%)."""
    g = evaluated.groupby([by, "verdict"]).size().rename("claims").reset_index()
    g["share"] = 100 * g["claims"] / g.groupby(by)["claims"].transform("sum")
    g["order"] = g["verdict"].map({v: i for i, v in enumerate(claims.VERDICTS)})
    return g.sort_values([by, "order"]).reset_index(drop=True)


def verdicts_by_article(evaluated: pd.DataFrame) -> pd.DataFrame:
    data = verdict_counts(evaluated, "article_file")
    data.insert(0, "article", [article_label(f) for f in data["article_file"]])
    return data


def _verdict_bars(data: pd.DataFrame, by: str, order: list[str], label: str, axis: dict, width: int,
                  row_height: int, title: str, subtitle: str) -> alt.Chart:
    """Claims per ``by`` (one bar each, in ``order``), stacked by verdict; ``label`` names a ``by`` value."""
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("claims:Q", title="Claims (number)", stack="zero"),
        y=alt.Y(f"{by}:N", sort=order, title=None, **axis),
        color=_verdict_color(),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip(f"{by}:N", title=label), alt.Tooltip("verdict:N", title="Verdict"),
                 alt.Tooltip("claims:Q", title="Claims"), alt.Tooltip("share:Q", title=f"Share of {by} (%)",
                                                                     format=".0f")],
    ).properties(width=width, height=row_height * len(order))
    return charts.titled(bars, title, subtitle, SOURCE)


def verdict_article_chart(data: pd.DataFrame) -> alt.Chart:
    order = [article_label(f) for f in claims.ARTICLES if article_label(f) in set(data["article"])]
    return _verdict_bars(data, "article", order, "Article", {"axis": alt.Axis(labelLimit=260)}, charts.WIDTH - 230, 36,
                         "What the ledger found, article by article", "Claims per article, by verdict")


def verdicts_by_kind(evaluated: pd.DataFrame) -> pd.DataFrame:
    return verdict_counts(evaluated, "kind")


def verdict_kind_chart(data: pd.DataFrame) -> alt.Chart:
    order = [k for k in claims.CLAIM_KINDS if k in set(data["kind"])]
    return _verdict_bars(data, "kind", order, "Kind of claim", {}, charts.WIDTH - 180, 30,
                         "Which kinds of claim hold up", "Claims per kind, by verdict")


def market_moves(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Percentage moves of prices and indices with a measured value: scored or shown for context."""
    rows = []
    for _, r in evaluated.iterrows():
        if r["unit"] != "percent" or r["measured"] is None:
            continue
        spec = claims.parse_spec(r["check"])
        inner = spec.parts[0] if spec.kind in ("info", "atleast", "atmost") else spec
        if inner.kind != "pct_change":
            continue
        field = inner.args[3] if len(inner.args) == 4 else "Close"
        rows.append({"id": r["id"], "article": article_label(r["article_file"]), "claim": r["claim"],
                     "ticker": inner.args[0], "session": inner.args[2], "measure": {
                         "Close": "close to close", "Open": "open against previous close",
                         "Low": "low against previous close", "High": "high against previous close"}[field],
                     "claimed": float(r["claimed_value"]), "measured": float(r["measured"]),
                     "tolerance": float(r["tolerance"]),
                     "verdict": r["verdict"], "scored": r["verdict"] in SCORED})
    return pd.DataFrame(rows)


def market_chart(data: pd.DataFrame) -> alt.Chart:
    lo = float(min(data["claimed"].min(), data["measured"].min()))
    hi = float(max(data["claimed"].max(), data["measured"].max()))
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    diag = alt.Chart(pd.DataFrame({"x": [lo, hi], "y": [lo, hi]})).mark_line(
        color="#888", strokeDash=[4, 3], strokeWidth=1).encode(x="x:Q", y="y:Q")
    scale = alt.Scale(domain=[lo, hi], nice=False)
    base = alt.Chart(data).encode(
        x=alt.X("claimed:Q", title="Claimed move (%)", scale=scale),
        y=alt.Y("measured:Q", title="Measured move (%)", scale=scale),
        color=_verdict_color(),
        tooltip=[alt.Tooltip("id:N", title="Claim"), alt.Tooltip("article:N", title="Article"),
                 alt.Tooltip("claim:N", title="Claim"), alt.Tooltip("ticker:N", title="Series"),
                 alt.Tooltip("session:N", title="Session"), alt.Tooltip("measure:N", title="Measured as"),
                 alt.Tooltip("claimed:Q", title="Claimed (%)", format="+.2f"),
                 alt.Tooltip("measured:Q", title="Measured (%)", format="+.2f"),
                 alt.Tooltip("tolerance:Q", title="Tolerance (pp)"), alt.Tooltip("verdict:N", title="Verdict")],
    )
    scored = base.transform_filter("datum.scored").mark_circle(size=70, opacity=0.85)
    context = base.transform_filter("!datum.scored").mark_point(size=70, shape="diamond", filled=False,
                                                                strokeWidth=1.5)
    side = charts.WIDTH - 120
    chart = (diag + scored + context).properties(width=side, height=side)
    return charts.titled(chart, "Claimed against measured: market moves",
                         "Dots are scored; diamonds are context for claims daily bars cannot settle; dashed: exact",
                         SOURCE)


def tolerance_data(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Scored claims with a tolerance above zero, with their signed distance in tolerances."""
    t = signed_tolerances(evaluated)
    keep = t.notna()
    e = evaluated[keep]
    data = pd.DataFrame({
        "id": e["id"], "article": [article_label(f) for f in e["article_file"]], "kind": e["kind"],
        "claim": e["claim"],
        "claimed": [format_value(v, u) for v, u in zip(e["claimed_value"], e["unit"])],
        "measured": [format_value(v, u) for v, u in zip(e["measured"], e["unit"])],
        "tolerance": e["tolerance"].astype(float), "in_tolerances": t[keep], "verdict": e["verdict"],
    })
    short = data["claim"].str.len() > 50
    data["label"] = data["id"] + " " + data["claim"].where(~short, data["claim"].str.slice(0, 49) + "…")
    return data.sort_values(["in_tolerances", "id"]).reset_index(drop=True)


def tolerance_chart(data: pd.DataFrame, close_factor: float) -> alt.Chart:
    """Each claim's distance from the data in tolerances, on a symmetric log scale, with the
    confirmed (±1) and close (±close_factor) bands shaded."""
    reach = max(float(data["in_tolerances"].abs().max()) if len(data) else 0.0, close_factor) * 1.2 + 1
    bands = pd.DataFrame({"from": [-close_factor, -1.0], "to": [close_factor, 1.0],
                          "band": ["close", "confirmed"]})
    scale = alt.Scale(type="symlog", constant=1, domain=[-reach, reach], nice=False)
    band = alt.Chart(bands).mark_rect(opacity=0.18).encode(
        x=alt.X("from:Q", scale=scale), x2="to:Q",
        color=alt.Color("band:N", scale=alt.Scale(domain=["confirmed", "close"],
                                                  range=[VERDICT_COLORS[claims.CONFIRMED],
                                                         VERDICT_COLORS[claims.CLOSE]]), legend=None))
    y = alt.Y("label:N", sort=list(data["label"]), title=None, axis=alt.Axis(labelFontSize=10, labelLimit=300))
    tooltip = [alt.Tooltip("id:N", title="Claim"), alt.Tooltip("article:N", title="Article"),
               alt.Tooltip("claim:N", title="Claim"), alt.Tooltip("claimed:N", title="Claimed"),
               alt.Tooltip("measured:N", title="Measured"), alt.Tooltip("tolerance:Q", title="Tolerance"),
               alt.Tooltip("in_tolerances:Q", title="Off by (tolerances)", format="+.2f"),
               alt.Tooltip("verdict:N", title="Verdict")]
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#888").encode(x=alt.X("x:Q", scale=scale))
    dots = alt.Chart(data).mark_circle(size=55, opacity=0.9).encode(
        x=alt.X("in_tolerances:Q", title="Measured minus claimed, in tolerances (symmetric log scale)",
                scale=scale, axis=alt.Axis(values=[-100, -30, -10, -3, -1, 0, 1, 3, 10, 30, 100])),
        y=y,
        color=alt.Color("verdict:N", title="Verdict",
                        scale=alt.Scale(domain=list(SCORED), range=[VERDICT_COLORS[v] for v in SCORED]),
                        legend=alt.Legend(columns=3)),
        tooltip=tooltip)
    chart = alt.layer(band, zero, dots).resolve_scale(color="independent").properties(
        width=charts.WIDTH - 300, height=13 * len(data))
    return charts.titled(chart, "How far each checked figure is from the data",
                         f"Shaded: within one tolerance (confirmed) and within {close_factor:g} (close)", SOURCE)


# ----------------------------------------------------------------------------- the chapter's face

import functools  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from shockbook import params  # noqa: E402
from shockbook.data import facts  # noqa: E402
from shockbook.site.section import Cite, Figure, Section, Table  # noqa: E402


def _check_articles(name: str, value) -> list[str]:
    article_files(name, value)
    return list(value)


@dataclass(frozen=True)
class Params(params.ChapterParams):
    close_factor: float = params.param(
        float(claims.CLOSE_FACTOR), params.NUMBER, 'how many tolerances still count as "close"',
        lambda name, v: claims.check_close_factor(v), "a number from 1 to 100 (1: no claim is close)")
    articles: tuple = params.param(
        ALL_ARTICLES, params.TICKERS, "the articles shown, by bibliography key", _check_articles,
        lambda: "a non-empty list of " + ", ".join(ALL_ARTICLES))

    @property
    def files(self) -> list[str]:
        """The article files the reader chose (:func:`select` takes them)."""
        return article_files("articles", self.articles)


@functools.lru_cache(maxsize=4)
def evaluated_all(close_factor: float) -> pd.DataFrame:
    """The whole ledger, evaluated (every article: the write-ups need claims of all five)."""
    return claims.evaluate(claims.load_claims(), close_factor=close_factor)


def evaluated(p: Params) -> pd.DataFrame:
    """The claims of the articles the reader chose: for the summary, the charts and the table."""
    return select(evaluated_all(p.close_factor), p.files)


#: Claims whose article values the prose quotes (as magnitudes; a month for a date).
QUOTED = ("C06", "C14", "C20", "C31", "C57", "C58", "C68", "C70", "C71", "C75", "C80", "C81", "C82", "C83",
          "C85", "C86", "C93", "C94", "C103", "C104", "C105", "C106", "C107")
#: JRJ's claims dated on Beijing time.
BEIJING_DATED = ("C80", "C81", "C82", "C83")


def _row(p: Params, cid: str) -> pd.Series:
    return claim(evaluated_all(p.close_factor), cid)


def _measured_and_verdict(p: Params, *ids: str) -> dict:
    out = {}
    for cid in ids:
        row = _row(p, cid)
        out[f"m_{cid.lower()}"] = row["measured"]
        out[f"v_{cid.lower()}"] = row["verdict"]
    return out


def opening(p: Params) -> Section:
    """The articles' dates, the verdict counts, and the article values the prose quotes."""
    every = evaluated_all(p.close_factor)
    numbers = {f"art_{key}": long_date(claims.ARTICLES[f][1]) for f, key in claims.ARTICLE_KEYS.items()}
    n = counts(evaluated(p))
    numbers |= {"n_claims": n["claims"], "n_articles": n["articles"], "n_checkable": n["checkable"],
                "n_confirmed": n[claims.CONFIRMED], "n_close": n[claims.CLOSE],
                "n_contradicted": n[claims.CONTRADICTED], "n_uncheckable": n[claims.NOT_CHECKABLE],
                "n_attributed": n[claims.ATTRIBUTED],
                "close_factor": p.close_factor}
    for _, row in every[every["id"].isin(QUOTED)].iterrows():
        value = (f"{pd.Timestamp(row['claimed_value']):%B %Y}" if row["unit"] == "date"
                 else abs(float(row["claimed_value"])))
        numbers[f"c_{row['id'].lower()}"] = value
    for cid in BEIJING_DATED:
        spec = claims.parse_spec(claim(every, cid)["check"])
        session = pd.Timestamp(spec.args[-1] if spec.args[-1][:1].isdigit() else spec.args[-2])
        numbers[f"ny_{cid.lower()}"] = f"{session:%-d %B}"
        numbers[f"bj_{cid.lower()}"] = f"{session + pd.Timedelta(days=1):%-d %B}"
    numbers["cluster"] = claims.measure("fact:CST-10")
    return Section(numbers=numbers)


def by_article(p: Params) -> Section:
    """Verdicts per article: the table, the chart, and the best and worst articles."""
    summ = summary_table(evaluated(p))
    data = verdicts_by_article(evaluated(p))
    per_article = summ.iloc[:-1].dropna(subset=["confirmed_share"])
    best = per_article.loc[per_article["confirmed_share"].idxmax()]
    worst = per_article.loc[per_article["confirmed_share"].idxmin()]
    numbers = {"best_article": best["article"], "best_share": best["confirmed_share"],
               "worst_article": worst["article"], "worst_share": worst["confirmed_share"]}
    for name, row in (("best", best), ("worst", worst)):
        numbers[f"{name}_n"] = int(row[claims.CONFIRMED])
        numbers[f"{name}_chk"] = int(sum(row[v] for v in SCORED))
    return Section(numbers=numbers,
                   tables={"tbl-claims-summary-table": Table(summ, SUMMARY_LABELS, SUMMARY_FORMATS)},
                   figures={"fig-claims-articles-chart": Figure(verdict_article_chart(data), data)})


def by_kind(p: Params) -> Section:
    """Verdicts by what the claims are about."""
    ledger = evaluated(p)
    data = verdicts_by_kind(ledger)
    contra = int(((ledger["kind"] == "market move") & (ledger["verdict"] == claims.CONTRADICTED)).sum())
    return Section(numbers={"mm_contra": contra},
                   tables={"tbl-claims-kinds-table": Table(kind_table(ledger), KIND_LABELS, SUMMARY_FORMATS)},
                   figures={"fig-claims-kinds-chart": Figure(verdict_kind_chart(data), data)})


def why_not_checkable(p: Params) -> Section:
    """The claims the data cannot settle, counted by reason."""
    table = uncheckable_table(evaluated(p))
    by = dict(zip(table["reason"], table["claims"]))
    keys = {claims.INTRADAY: "nc_intraday", claims.FORECAST: "nc_forecast", claims.OPINION: "nc_opinion",
            claims.SURVEY: "nc_survey", claims.MISSING: "nc_missing"}
    return Section(numbers={key: int(by.get(reason, 0)) for reason, key in keys.items()},
                   tables={"tbl-claims-uncheckable-table": Table(table, UNCHECKABLE_LABELS)})


def excluded(p: Params) -> Section:
    """The numbers in the chosen articles that are not ledger rows, by reason; the list to download."""
    rows = claims.load_exclusions(ledger=claims.load_claims())
    rows = rows[rows["article_file"].isin(p.files)].reset_index(drop=True)
    summ = exclusion_summary(rows)
    from IPython.display import HTML

    numbers = {"n_excluded": len(rows)}
    numbers |= {f"x_{r.replace(' ', '_')}": int(n) for r, n in zip(summ["reason"], summ["numbers"])}
    return Section(numbers=numbers,
                   figures={"fig-claims-excluded": Figure(HTML(exclusion_html(summ)), rows)})


def claimed_against_measured(p: Params) -> Section:
    """Each percentage move claimed against the cache, and every scored claim in tolerances."""
    ledger = evaluated(p)
    moves, tol = market_moves(ledger), tolerance_data(ledger)
    scored = ledger[ledger["verdict"].isin(SCORED)]
    return Section(numbers={"n_zero_tol": int((scored["tolerance"] == 0).sum())},
                   figures={"fig-claims-market-chart": Figure(market_chart(moves), moves),
                            "fig-claims-tolerance-chart": Figure(tolerance_chart(tol, p.close_factor), tol)})


def wrong_model(p: Params) -> Section:
    """R1 credited with V3's training cost."""
    r1_parts = [x.strip() for x in facts.fact("CST-18").value.split(";")]
    return Section(numbers={
        "v3_cost": _row(p, "C14")["measured"], "v3_gpuh": claims.measure("fact:CST-01"),
        "v3_rate": claims.measure("fact:CST-05"), "v3_cite": Cite(facts.fact("CST-06")),
        "v3_month": f"{pd.Timestamp(facts.fact('SHK-03').value):%B %Y}", "v3_scope_cite": Cite("CST-08"),
        "v_c14": _row(p, "C14")["verdict"],
        "r1_rl": r1_parts[0].replace("GPU-h", " H800 GPU-hours").replace("K ", " thousand "),
        "r1_rl_usd": "$" + r1_parts[1].replace("K USD", " thousand"), "r1_rl_cite": Cite("CST-18")})


def cheapest_tier(p: Params) -> Section:
    """The cache-hit input price quoted as "the" price of R1."""
    return Section(numbers={
        "p_hit": claims.measure("fact:CST-20"), "p_miss": claims.measure("fact:CST-21"),
        "p_out": claims.measure("fact:CST-22"), "p_cite": Cite("CST-20"),
        "o1_hit": claims.measure("fact:CST-28:1"),
        "d_hit": -claims.measure("calc:( fact:CST-20 / fact:CST-28:1 - 1 ) * 100"),
        "d_miss": -claims.measure("calc:( fact:CST-21 / fact:CST-28:0 - 1 ) * 100"),
        "d_out": -claims.measure("calc:( fact:CST-22 / fact:CST-28:2 - 1 ) * 100"),
        "r_out": _row(p, "C20")["measured"], "r_in": claims.measure("ratio:fact:CST-28:0/fact:CST-21"),
        "v_c20": _row(p, "C20")["verdict"]})


def beijing_dates(p: Params) -> Section:
    """JRJ's week of Nvidia on Beijing dates."""
    c83 = _row(p, "C83")
    nvda_next = claims.measure(f"close:NVDA:{pd.Timestamp(c83['ref_date']) + pd.Timedelta(days=1):%Y-%m-%d}")
    return Section(numbers={
        **_measured_and_verdict(p, *BEIJING_DATED), "rebound_cite": Cite("SHK-30"), "nvda_0131": nvda_next,
        "v_c83_us": claims.verdict(c83["claimed_value"], nvda_next, c83["tolerance"], close_factor=p.close_factor)[0]})


def mid_session(p: Params) -> Section:
    """A figure copied in mid-session: Nvidia's open and low against the close."""
    return Section(numbers={
        **_measured_and_verdict(p, "C57", "C58", "C75"),
        "nvda_open": claims.measure("pct_change:NVDA:2025-01-24:2025-01-27:Open"),
        "nvda_low": claims.measure("pct_change:NVDA:2025-01-24:2025-01-27:Low")})


def wrong_direction(p: Params) -> Section:
    """Apple, Meta and Microsoft on 27 January, against the articles."""
    verdicts = {_row(p, c)["verdict"] for c in ("C29", "C103", "C104")}
    return Section(numbers={
        "aapl": claims.measure("pct_change:AAPL:2025-01-24:2025-01-27"), "aapl_cite": Cite("SHK-31"),
        "meta": _row(p, "C103")["measured"],
        "meta_open": claims.measure("pct_change:META:2025-01-24:2025-01-27:Open"),
        "meta_low": claims.measure("pct_change:META:2025-01-24:2025-01-27:Low"),
        "msft": _row(p, "C104")["measured"], "msft_low": claims.measure("pct_change:MSFT:2025-01-24:2025-01-27:Low"),
        "v_c29": verdicts.pop() if len(verdicts) == 1 else "not all judged alike: see their rows"})


def asml(p: Params) -> Section:
    """ASML: a figure that fits no close."""
    return Section(numbers={
        "asml_close": _row(p, "C105")["measured"],
        "asml_low": claims.measure("pct_change:ASML:2025-01-24:2025-01-27:Low"),
        "asml_ams": -claims.measure("fact:SHK-28"), "asml_ams_cite": Cite("SHK-28"),
        "v_c105": _row(p, "C105")["verdict"]})


def honest_rounding(p: Params) -> Section:
    return Section(numbers={
        "sox": _row(p, "C106")["measured"], "sox_cite": Cite("SHK-19"), "v_c106": _row(p, "C106")["verdict"],
        "days": _row(p, "C68")["measured"], "v_c68": _row(p, "C68")["verdict"]})


def things_said(p: Params) -> Section:
    """Things someone said (Wang's 50,000 H100s), and sums no one can trace."""
    return Section(numbers={
        "v_c93": _row(p, "C93")["verdict"], "wang_cite": Cite("SKP-01"), "semi_cite": Cite("SKP-03"),
        "fleet": _row(p, "C94")["measured"], "v_c94": _row(p, "C94")["verdict"],
        "capex24": claims.measure("fact:RSP-13"), "capex_cite": Cite("RSP-13")})


def short_cache(p: Params) -> Section:
    """Claims that need a longer price history than most series carry (C85, C107)."""
    from shockbook.analysis import calendar
    from shockbook.data import catalog
    from shockbook.site import words

    starts = {t: calendar.sessions(t)[0] for t in ("^IXIC", "^SOX")}
    dotcom = claims.parse_spec(_row(p, "C85")["check"])
    c85, c107 = _row(p, "C85"), _row(p, "C107")
    c85_open, c107_open = c85["verdict"] == claims.NOT_CHECKABLE, c107["verdict"] == claims.NOT_CHECKABLE
    span = f"{pd.Timestamp(dotcom.args[1]):%B %Y} to {pd.Timestamp(dotcom.args[2]):%B %Y}"
    # Which of the two is still out of reach depends on how far back the cache goes.
    c85_reach = (f"needs closes from {span}" if c85_open else
                 f"is in reach: the cache keeps the index from {words.day(starts['^IXIC'])}, and the ledger "
                 f"measures a fall of {-float(c85['measured']):.1f}% from {span} and scores the claim {c85['verdict']}")
    reach = ("needs the index's history back to that month, because no fall as large appears in the cache"
             if c107_open else f"is in reach: the ledger finds the index's last larger fall on "
             f"{pd.Timestamp(c107['measured']):%-d %B %Y} and scores the claim {c107['verdict']}")
    n_open = int(c85_open) + int(c107_open)
    earlier = " and ".join(catalog.get(t).name for t in catalog.EARLIER_START)
    waiting = {2: "Both checks are written and waiting: extend the cached Nasdaq and SOX histories and the ledger "
                  "scores them.",
               1: f"The {'Nasdaq' if c85_open else 'semiconductor index'} check is written and waiting: extend "
                  "the cached history and the ledger scores it.",
               0: f"Only the {earlier} is kept from that far back; every other series starts on "
                  f"{words.day(catalog.START)}."}[n_open]
    return Section(numbers={
        "cache_start": " and ".join(sorted({f"{d:%-d %B %Y}" for d in starts.values()}, key=pd.Timestamp)),
        "dotcom_span": span, "c85_reach": c85_reach,
        "short_count": {2: "Two claims are", 1: "One claim is", 0: "No claim is now"}[n_open], "c107_reach": reach,
        "short_waiting": waiting})


def full_ledger(p: Params) -> Section:
    """The whole ledger for the articles chosen, one linkable row per claim."""
    rows = evaluated(p)
    return Section(figures={"fig-claims-ledger": Figure(ledger(rows), ledger_csv(rows))})


def _series_name(ticker: str) -> str:
    from shockbook.data import cache

    return str(cache.series_info(ticker)["name"])


def stripped_moves(every: pd.DataFrame) -> pd.DataFrame:
    """The repost's moves whose company names were stripped: each row's id, claimed move, the only
    cached series that matches it (if one does) and that series' measured move."""
    rows = every[every["subject"].str.startswith("unnamed (name stripped)")]
    out = []
    for _, r in rows.iterrows():
        spec = claims.parse_spec(r["check"])
        ticker = spec.parts[0].args[0] if spec.kind == "info" else ""
        out.append({"id": r["id"], "claimed": float(r["claimed_value"]), "match": ticker,
                    "measured": r["measured"] if ticker else math.nan})
    return pd.DataFrame(out, columns=["id", "claimed", "match", "measured"])


def second_reading(p: Params) -> Section:
    """What the second, independent reading of the articles added: the stripped list, lineage, other
    labs' spending, and claims the book's filings and exchange rates now settle."""
    every = evaluated_all(p.close_factor)
    stripped = stripped_moves(every)
    matched = stripped[stripped["match"] != ""]
    if len(matched) != 2:  # the prose names two matches; a ledger change must change the prose too
        raise ValueError(f"the prose expects two identified stripped moves, the ledger has {len(matched)}")
    first, second = matched.iloc[0], matched.iloc[1]
    epoch_rental = facts.parse_value(facts.fact("CST-35").value)[2][1][1]
    alibaba_bn = claims.measure("calc:close:BABA:2025-01-27 * fact:SHK-B30:0:scaled / 8 / 1e9")
    numbers = {
        "n_stripped": len(stripped), "n_matched": len(matched), "n_unmatched": len(stripped) - len(matched),
        "strip1_claim": abs(first["claimed"]), "strip1_name": _series_name(first["match"]),
        "strip1_move": float(first["measured"]),
        "strip2_claim": abs(second["claimed"]), "strip2_name": _series_name(second["match"]),
        "strip2_move": float(second["measured"]),
        "chips16": abs(float(_row(p, "C120")["claimed_value"])), "m_c120": _row(p, "C120")["measured"],
        "v_c120": _row(p, "C120")["verdict"],
        "r1_params": claims.measure("fact:CST-B30"), "llama2_params": claims.measure("fact:CST-B32"),
        "m_c125": _row(p, "C125")["measured"], "v_c125": _row(p, "C125")["verdict"],
        "rl_post": claims.measure("fact:CST-B31:1"), "v_c124": _row(p, "C124")["verdict"],
        "r1_src": Cite("CST-B30"), "llama2_src": Cite("CST-B32"), "rl_src": Cite("CST-B31"),
        "llama_gpuh": claims.measure("fact:CST-34:1"), "llama_rate": claims.measure("fact:CST-05"),
        "m_c126": _row(p, "C126")["measured"], "v_c126": _row(p, "C126")["verdict"],
        "llama_src": Cite("CST-34"), "epoch_rental": epoch_rental, "epoch_src": Cite("CST-35"),
        "c_c72": float(_row(p, "C72")["claimed_value"]), "m_c72": _row(p, "C72")["measured"],
        "v_c72": _row(p, "C72")["verdict"], "openai_src": Cite("RSP-B31"),
        "nvda_loss": -claims.measure("mcap_change_bn:NVDA:2025-01-24:2025-01-27"), "alibaba_bn": alibaba_bn,
        "m_c77": _row(p, "C77")["measured"], "v_c77": _row(p, "C77")["verdict"], "baba_src": Cite("SHK-B30"),
        "m_c26": _row(p, "C26")["measured"], "v_c26": _row(p, "C26")["verdict"],
        "c_c26": float(_row(p, "C26")["claimed_value"]),
        "cny_0127": claims.measure("close:DEXCHUS:2025-01-27"),
        "m_c99": _row(p, "C99")["measured"], "v_c99": _row(p, "C99")["verdict"],
        "c_c99": float(_row(p, "C99")["claimed_value"]),
        "m_c27": _row(p, "C27")["measured"], "v_c27": _row(p, "C27")["verdict"], "record_src": Cite("SHK-13"),
    }
    return Section(numbers=numbers)
