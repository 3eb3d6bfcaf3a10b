"""Words and dates as the prose shows them, in each of the book's languages.

The analysis never writes English: it returns a key ("fell", "rose", …) or a date, and this
module turns it into text for the edition being built.
"""
from __future__ import annotations

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
    "held": {"en": "held"},
    "extended": {"en": "extended"},
    "faded": {"en": "faded"},
    # ---- chapter 1: sentences chosen by the data (a paragraph that cannot be computed says why)
    "shock.moves.all": {"en": "All {n} US series in the cache traded that day."},
    "shock.moves.missing": {"en": "Left out, with no close that day (not yet listed): {names}."},
    "shock.nvda.more": {"en": "Nvidia alone lost more than the seven others together gained or lost."},
    "shock.nvda.less": {"en": "Nvidia's loss was smaller than the seven others' net change together."},
    "shock.after.month": {"en": "a month later they were {m1:+.1f}% from where they stood before it, so the "
                                "event day's move had {trend}."},
    "shock.after.month.none": {"en": "the data end before a month had passed."},
    "shock.after.quarter": {"en": "Three months later they were {m3:+.1f}%."},
    "shock.after.quarter.none": {"en": "The data end before three months had passed."},
    "shock.after.half": {"en": "Six months on they were {m6:+.1f}%."},
    "shock.after.half.none": {"en": "The data end before six months had passed."},
    "shock.study.before_r1": {"en": "before R1 was released"},
    "shock.study.after_r1": {"en": "a window that includes R1's release on {r1}"},
    "shock.basket.smaller": {"en": "With a mean correlation of {rbar:.2f} across {n} stocks (worth about {eff:.1f} "
                                   "independent ones), the adjustment divides "
                                   "the statistic by about {factor:.1f}: on the event day itself the basket's average "
                                   "abnormal return of {caar:+.1f}% gives t = {t_bmp:.2f} unadjusted but only "
                                   "{t_kp:.2f} adjusted."},
    "shock.basket.larger": {"en": "With a mean correlation of {rbar:.2f} across {n} stocks (worth about {eff:.1f} "
                                   "independent ones), the adjustment multiplies "
                                  "the statistic by about {factor:.1f}: on the event day itself the basket's average "
                                  "abnormal return of {caar:+.1f}% gives t = {t_bmp:.2f} unadjusted and "
                                  "{t_kp:.2f} adjusted."},
    "shock.portfolio": {"en": "Held as one equal-weighted portfolio, with its own market model and a residual "
                              "standard deviation of {sigma:.2f}% a day, the basket's abnormal return on the event "
                              "day is {car:+.1f}%, with t = {t:.2f} ({df} degrees of freedom, p = {p:.2g})."},
    "shock.size": {"en": "In {draws:,} simulated samples of {n} stocks whose residuals are as correlated as the "
                         "basket's own, with no event at all, the tests rejected the true null at the {level:.0f}% "
                         "level on day 0 this often: BMP {bmp:.1f}% of the time, the Kolari–Pynnönen adjusted "
                         "test {kp:.1f}%, the portfolio test {port:.1f}%."},
    "shock.sp.more": {"en": "More than the whole index lost: the rest of the S&P 500, taken together, rose."},
    "shock.sp.less": {"en": "The rest of the S&P 500 fell too, by the remainder."},
    "shock.proxy.range": {"en": "On the event day the {n} chosen stocks' average abnormal return ranges from "
                                "{lo:+.1f}% (against the {lo_name}) to {hi:+.1f}% (against the {hi_name}), "
                                "against an average raw return of {raw:+.1f}%; the widest spread for one stock "
                                "is {widest:.1f} percentage points ({widest_name})."},
    "shock.proxy.no_equal_weight": {"en": "The cache holds no equal-weighted or ex-AI benchmark for this "
                                          "design, so the range spans capitalisation-weighted indices only, all of "
                                          "which hold AI stocks; it understates how much the proxy matters."},
    "shock.proxy.all": {"en": "The range includes an equal-weighted S&P 500, in which the AI giants weigh no "
                              "more than any other member."},
    "shock.confounders": {"en": "Other news fell inside the event window, each on the first New York session "
                                "that could trade it: {items}."},
    "shock.confounders.none": {"en": "No other news the book tracks (Stargate, the FOMC, the big platforms"
                                     "' results, the tariff orders) falls inside this event window."},
    "shock.earnings": {"en": "{names} reported results inside the window, so their CARs over {windows} are "
                             "earnings CARs: they hold the reaction to their own results as well."},
    "shock.earnings.outside": {"en": "{names} reported results inside the event window but outside the windows "
                                     "tested, so no CAR in the table spans them."},
    "shock.earnings.none": {"en": "No chosen stock reported results inside the window."},
    "shock.trillion.exceed": {"en": "so these eight companies alone exceed it, before the power producers, the "
                                    "equipment makers and the networking names are counted."},
    "shock.trillion.close": {"en": "so these eight companies alone come close to it, before the power producers, "
                                   "the equipment makers and the networking names are counted."},
    "shock.wait.quiet": {"en": "Neither moved the basket beyond ordinary noise: its abnormal return was "
                               "{v3:+.1f}% (t = {v3t:.2f}) on {v3_day}, after V3's report, and {r1:+.1f}% "
                               "(t = {r1t:.2f}) on {r1_day}, R1's first session."},
    "shock.wait.moved": {"en": "Its abnormal return was {v3:+.1f}% (t = {v3t:.2f}) on {v3_day}, after V3's report, "
                               "and {r1:+.1f}% (t = {r1t:.2f}) on {r1_day}, R1's first session: at least one of "
                               "them is beyond ordinary noise."},
    "shock.wait.chance": {"en": "Of the {days} sessions before 27 January 2025, {beyond} were beyond ±1.96 "
                                "standard errors, against {expected:.1f} expected by chance."},
    "shock.wait.biggest_key": {"en": "the largest move of the whole period"},
    "shock.wait.biggest_other": {"en": "although the period's largest move came on {day} ({ar:+.1f}%)"},
    "shock.tsmc.usd": {"en": "At {fx:.2f} New Taiwan dollars per US dollar that day (FRED's H.10 noon rate), "
                             "TSMC's loss on its Taipei shares was about ${usd:,.0f} billion, against ${adr:,.0f} "
                             "billion ADR-implied on 27 January; before the holiday the ADR stood {premium:.0f}% "
                             "above the value of five Taiwan shares."},
    "shock.tsmc.no_fx": {"en": "The book cannot state the premium, or the Taipei loss in dollars, until the cache "
                               "holds an exchange rate for those days."},
    "shock.china.other_way": {"en": "went the other way"},
    "shock.china.same_way": {"en": "fell with them"},
    "shock.size.both": {"en": "On the event day both the adjusted BMP test and the portfolio test reject at the "
                              "{level:.0f}% level."},
    "shock.size.portfolio": {"en": "On the event day only the portfolio test rejects at the {level:.0f}% level: "
                                   "the adjusted BMP test pays for the correlation with most of its power, while "
                                   "the portfolio's own variance already holds it."},
    "shock.size.kp": {"en": "On the event day only the adjusted BMP test rejects at the {level:.0f}% level."},
    "shock.size.none": {"en": "Without a basket there is nothing to simulate."},
    "shock.size.neither": {"en": "On the event day neither the adjusted BMP test nor the portfolio test rejects "
                                 "at the {level:.0f}% level."},
    "shock.basket.none": {"en": "Among the chosen tickers fewer than two are AI-hardware stocks (chips, chip "
                                "equipment, networking and servers), so there is no basket to test."},
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
    "did not hold": {"en": "did not hold"},
    "ahead": {"en": "ahead"},
    "behind": {"en": "behind"},
    "level": {"en": "level"},
    "smaller": {"en": "smaller"},
    "larger": {"en": "larger"},
    # ---- the site: the box under each chapter's title (shockbook.site.sphinxext.rerun_box), in each edition
    "site.rerun.label": {"en": "Edit or rerun this chapter", "zh": "重新运行或修改本章"},
    "site.rerun.own_box": {"en": "<strong>Edit or rerun this chapter</strong>: its notebook is {notebook} "
                                 "(see the box below).",
                           "zh": "<strong>修改或重新运行本章</strong>：笔记本是 {notebook}（见下方方框）。"},
    "site.rerun.command": {"en": "<strong>Rerun this chapter</strong> with your own assumptions: "
                                 "<code>{command}</code> (the parameters are the first cell of {notebook}; the "
                                 "result goes to <code>runs/</code>).",
                           "zh": "<strong>用你自己的假设重新运行本章</strong>：<code>{command}</code>（参数在 "
                                 "{notebook} 的第一个单元格中；结果写入 <code>runs/</code>）。"},
    "site.rerun.code": {"en": " Its code: {module}.", "zh": "本章代码：{module}。"},
    "site.rerun.pdf": {"en": ' <a href="{href}">The whole book as a PDF</a>.', "zh": '<a href="{href}">全书 PDF</a>。'},
    # ---- the site: a chart's text description for screen readers (shockbook.site.charts.describe), in each edition
    "site.chart.title": {"en": "Chart: {title}", "zh": "图表：{title}"},
    "site.chart.rows": {"en": "Drawn from {rows} rows of data; the caption links the data as a table (CSV).",
                        "zh": "由 {rows} 行数据绘制；图注中链接了数据表（CSV）。"},
    "site.chart.source": {"en": "Source:", "zh": "来源"},  # how a subtitle line naming the source begins
    "site.chart.stop": {"en": ".", "zh": "。"},  # the end of a sentence
    "site.chart.space": {"en": " ", "zh": ""},  # between the lines of a wrapped title, and between sentences
    # which marks plot which quantities: said in English only so far ("" leaves the sentence out)
    "site.chart.marks": {"en": "{marks}{axes}.", "zh": ""},
}


def word(key: str, lang: str = "en") -> str:
    try:
        return VOCABULARY[key][lang]
    except KeyError:
        raise KeyError(f"no word {key!r} in {lang!r}: add it to shockbook.site.words.VOCABULARY") from None


def direction(x: float, down: str = "fell", up: str = "rose", flat: str = "was unchanged") -> str:
    """The key of the word for a signed change: ``down`` below zero, ``up`` above, ``flat`` at zero."""
    return down if x < 0 else up if x > 0 else flat


def trend(first: float, later: float, tolerance: float = 1.0) -> str:
    """The key of the word for what became of a move ``first`` by a ``later`` cumulative value.

    Within ``tolerance`` (in the values' unit) of the first move it "held"; past zero it "reversed";
    further from zero a fall "deepened" and a rise "extended"; nearer to zero a fall "eased" and a
    rise "faded".
    """
    if abs(later - first) < tolerance:
        return "held"
    if first * later < 0:
        return "reversed"
    further = abs(later) > abs(first)
    if first < 0:
        return "deepened" if further else "eased"
    return "extended" if further else "faded"


def day(date, year: bool = True, lang: str = "en") -> str:
    """'5 February 2025' (no leading zero) in English."""
    import pandas as pd  # imported here: the edition's build needs no pandas

    d = pd.Timestamp(date)
    if lang == "en":
        return f"{d.day} {d:%B}" + (f" {d.year}" if year else "")
    raise KeyError(f"no date format for {lang!r}")
