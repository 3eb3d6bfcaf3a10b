"""The in-page event study (_static/eventstudy.js) against shockbook.analysis.events, in a real browser.

A local server serves the script, the site's copy of the price files (sitefiles.write_event_study_data)
and a bare page; Debian's chromium runs the script on random designs drawn with a fixed seed, and
every return, abnormal return, variance, CAR, standard error, t and p must agree with the Python
module to 1e-9. Designs the Python module rejects must be rejected by the script too. No request
may leave the local server.
"""
from __future__ import annotations

import functools
import http.server
import math
import re
import shutil
import threading

import numpy as np
import pytest

from shockbook import paths
from shockbook.analysis import events
from shockbook.data import cache, catalog
from shockbook.site import pdf, sitefiles

N_DESIGNS = 200
TOLERANCE = 1e-9
SEED = 20250127


def widget_html() -> str:
    """The raw-HTML block that chapter 1 embeds (shockbook/site/eventstudy_cell.md), as the page gets it."""
    cell = (paths.ROOT / "shockbook" / "site" / "eventstudy_cell.md").read_text(encoding="utf-8")
    return cell.split("```{raw} html\n", 1)[1].split("\n```", 1)[0]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A tiny site: the script, the data, a bare page and one with the widget (and the vega libraries)."""
    root = tmp_path_factory.mktemp("eventstudy-site")
    (root / "_static").mkdir()
    shutil.copyfile(paths.ROOT / "_static" / "eventstudy.js", root / "_static" / "eventstudy.js")
    sitefiles.write_event_study_data(root)
    (root / "index.html").write_text(
        '<!DOCTYPE html><html data-content_root="./"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<script src="_static/eventstudy.js"></script></head><body></body></html>', encoding="utf-8")
    vendor = paths.ROOT / "_assets" / "vendor"
    scripts = ""
    if (vendor / "vega.min.js").exists():
        (root / "vendor").mkdir()
        for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
            shutil.copyfile(vendor / name, root / "vendor" / name)
            scripts += f'<script src="vendor/{name}"></script>'
    (root / "chapters").mkdir()
    (root / "chapters" / "widget.html").write_text(
        '<!DOCTYPE html><html data-content_root="../"><head><meta charset="utf-8"><link rel="icon" href="data:,">' + scripts.replace('src="', 'src="../') +
        '<script src="../_static/eventstudy.js"></script></head><body>'
        + widget_html()
        + "</body></html>", encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()




def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors, foreign = [], []
    origin = url.split("/", 3)[:3]
    origin = "/".join(origin)
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((origin, "data:", "blob:")) else None)
    tab.goto(url, wait_until="load")
    return context, tab, errors, foreign


# --------------------------------------------------------------------------- designs


def random_designs(n_valid: int, seed: int = SEED):
    """(design, python result or error) pairs: ``n_valid`` valid ones, and the invalid ones met on the way."""
    rng = np.random.default_rng(seed)
    proxies: dict[str, list[str]] = {}
    for s in catalog.SERIES:
        if s.index or s.group.startswith("US indices"):
            proxies.setdefault(s.market, []).append(s.ticker)
    # Exchange rates (market FX) have no market index to model them against.
    stocks = [s for s in catalog.SERIES if not s.index and s.market in proxies]
    valid, invalid = [], []
    while len(valid) < n_valid:
        stock = stocks[rng.integers(len(stocks))]
        market = stock.market if rng.random() > 0.03 else str(rng.choice(sorted(proxies)))  # now and then a wrong calendar
        proxy = str(rng.choice([t for t in proxies[market] if t != stock.ticker]))  # not a series against itself
        dates = cache.load_prices(stock.ticker).index
        event = dates[rng.integers(len(dates))].strftime("%Y-%m-%d")
        lo, hi = -int(rng.integers(0, 11)), int(rng.integers(0, 11))
        design = {"ticker": stock.ticker, "proxy": proxy, "eventDate": event,
                  "estimationLength": int(rng.integers(30, 301)), "gap": int(rng.integers(0, 61)), "window": [lo, hi]}
        windows = sorted({(lo, hi), (0, 0), (lo, 0), (0, hi), (max(lo, -1), min(hi, 1))})
        design["windows"] = [list(w) for w in windows]
        try:
            expected = python_result(design)
        except ValueError as exc:
            invalid.append((design, str(exc)))
            continue
        valid.append((design, expected))
    return valid, invalid


def python_result(d: dict) -> dict:
    design = events.Design(event_date=d["eventDate"], estimation_length=d["estimationLength"], gap=d["gap"],
                           window=tuple(d["window"]))
    ev, model = events.abnormal_returns(d["ticker"], d["proxy"], design)
    cars = [events.car(ev, model, *w) for w in d["windows"]]
    return {"alpha": model.alpha, "beta": model.beta, "sigma2": model.sigma2, "n": model.n,
            "dates": [f"{x:%Y-%m-%d}" for x in ev.index], "rel_day": ev["rel_day"].tolist(),
            "r": ev["r"].tolist(), "rm": ev["rm"].tolist(), "ar": ev["ar"].tolist(), "ar_var": ev["ar_var"].tolist(),
            "estimation": [f"{x:%Y-%m-%d}" for x in ev.attrs["estimation"]],
            "car": [c["car"] for c in cars], "car_var": [c["se"] ** 2 for c in cars], "se": [c["se"] for c in cars],
            "t": [c["t"] for c in cars], "p": [c["p"] for c in cars], "market_adjusted": [c["market_adjusted"] for c in cars]}


RUN_IN_BROWSER = """async (designs) => {
  const es = window.ShockbookEventStudy;
  const data = new es.EventStudyData("_data/eventstudy/");
  const tickers = [...new Set(designs.flatMap(d => [d.ticker, d.proxy]))];
  const loaded = Object.fromEntries(await Promise.all(tickers.map(async t => [t, await data.load(t)])));
  const t0 = performance.now();
  const out = designs.map(d => {
    try {
      const {ev, model} = es.abnormalReturns(loaded[d.ticker], loaded[d.proxy], d);
      const cars = d.windows.map(w => es.car(ev, model, w[0], w[1]));
      return {alpha: model.alpha, beta: model.beta, sigma2: model.sigma2, n: model.n, dates: ev.dates, rel_day: ev.relDay,
              r: ev.r, rm: ev.rm, ar: ev.ar, ar_var: ev.arVar, estimation: ev.estimation,
              car: cars.map(c => c.car), car_var: cars.map(c => c.variance), se: cars.map(c => c.se), t: cars.map(c => c.t),
              p: cars.map(c => c.p), market_adjusted: cars.map(c => c.marketAdjusted)};
    } catch (e) { return {error: e.message}; }
  });
  return {results: out, ms: performance.now() - t0};
}"""

NUMERIC = ("alpha", "beta", "sigma2", "r", "rm", "ar", "ar_var", "car", "car_var", "se", "t", "p", "market_adjusted")


def max_differences(expected: dict, got: dict) -> dict[str, float]:
    out = {}
    for key in NUMERIC:
        a, b = np.atleast_1d(np.asarray(expected[key], float)), np.atleast_1d(np.asarray(got[key], float))
        assert a.shape == b.shape, f"{key}: {a.shape} values in Python, {b.shape} in the browser"
        out[key] = float(np.max(np.abs(a - b))) if a.size else 0.0
    return out


@pytest.fixture(scope="module")
def designs():
    return random_designs(N_DESIGNS)


def test_the_script_agrees_with_the_python_event_study(site, browser, designs, record_property):
    valid, invalid = designs
    context, tab, errors, foreign = open_page(browser, f"{site}/index.html")
    out = tab.evaluate(RUN_IN_BROWSER, [d for d, _ in valid])
    context.close()
    worst: dict[str, float] = {}
    for (design, expected), got in zip(valid, out["results"]):
        assert "error" not in got, f"{design}: the browser refused a design Python accepts: {got.get('error')}"
        for key in ("n", "dates", "rel_day", "estimation"):
            assert got[key] == expected[key], f"{design}: {key} differs"
        for key, diff in max_differences(expected, got).items():
            assert diff <= TOLERANCE, f"{design}: {key} differs by {diff:.3g}"
            worst[key] = max(worst.get(key, 0.0), diff)
    overall = max(worst.values())
    per_design_ms = out["ms"] / len(valid)
    record_property("max_abs_difference", overall)
    record_property("browser_ms_per_design", per_design_ms)
    print(f"\n{len(valid)} designs: max abs difference {overall:.3g} "
          f"({', '.join(f'{k} {v:.2g}' for k, v in worst.items())}); {out['ms']:.1f} ms in the browser "
          f"({per_design_ms:.2f} ms a design, {sum(len(d['windows']) for d, _ in valid)} CARs)")
    assert len(valid) >= 200
    assert not errors, errors
    assert not foreign, f"requests off the local server: {foreign}"


def test_the_script_rejects_what_python_rejects(site, browser, designs):
    _, invalid = designs
    assert invalid, "the random designs should include some the event study must refuse"
    context, tab, errors, foreign = open_page(browser, f"{site}/index.html")
    out = tab.evaluate(RUN_IN_BROWSER, [d for d, _ in invalid])
    context.close()
    for (design, message), got in zip(invalid, out["results"]):
        assert "error" in got, f"{design}: Python refused it ({message}) but the browser computed it"
    assert not foreign, foreign


def test_student_t_p_values_match_scipy(site, browser):
    from scipy.special import stdtr

    cases = [(t, df) for df in (1, 5, 28, 98, 248, 598) for t in (0.0, 0.3, -1.2, 1.96, 2.5, -4.0, 8.0, 25.0)]
    context, tab, _, _ = open_page(browser, f"{site}/index.html")
    got = tab.evaluate("cases => cases.map(([t, df]) => window.ShockbookEventStudy.twoSidedP(t, df))", cases)
    context.close()
    for (t, df), p in zip(cases, got):
        assert math.isclose(p, 2 * stdtr(df, -abs(t)), rel_tol=1e-9, abs_tol=1e-15), (t, df, p)


def test_the_widget_draws_and_recomputes_offline(site, browser):
    if not (paths.ROOT / "_assets" / "vendor" / "vega.min.js").exists():
        pytest.skip("the vega libraries are not vendored: run `make vendor`")
    context, tab, errors, foreign = open_page(browser, f"{site}/chapters/widget.html")
    tab.wait_for_function("document.querySelector('.shockbook-eventstudy')?.dataset.state === 'ready'", timeout=20000)
    tab.wait_for_function("document.querySelectorAll('.shockbook-eventstudy svg g[class*=\"mark-\"]').length > 0", timeout=20000)
    first = tab.locator(".es-status").inner_text()
    assert "23 stocks against ^GSPC" in first, first
    # A reader changes the event day: everything is recomputed, in the page.
    ms = tab.evaluate("""async () => {
      const w = window.ShockbookEventStudy.widgets[0];
      w.inputs.eventDate.value = '2025-01-21';
      const t0 = performance.now(); const r = await w.recompute(); return [r.ms, performance.now() - t0]; }""")
    second = tab.locator(".es-status").inner_text()
    assert second != first and "estimation window" in second
    rows = tab.locator(".es-table tbody tr").count()
    assert rows == 23
    print(f"\nwidget: 23 stocks x 4 windows recomputed in {ms[0]:.1f} ms (with redraw {ms[1]:.1f} ms)")
    context.close()
    assert not errors, errors
    assert not foreign, foreign


# --------------------------------------------------------------------------- the Chinese edition's page

BUILT = paths.ROOT / "_build" / "html"
EDITIONS = {"en": "chapters/01_shock.html", "zh": "zh/chapters/01_shock.html"}
needs_both_editions = pytest.mark.skipif(not all((BUILT / p).exists() for p in EDITIONS.values()),
                                         reason="the two editions are not built: run `make site` first")

# What a reader sees of the widget after one design: the numbers of every row, the table, the status,
# the errors, the widget's whole text (its form, proxy list, stock picker, charts' titles, axes and
# legends) and the tooltip of the first chart's first dot.
READ_WIDGET = """async (design) => {
  const host = document.querySelector('.shockbook-eventstudy');
  const w = window.ShockbookEventStudy.widgets[0];
  await w.ready;
  for (const [k, v] of Object.entries(design)) w.inputs[k].value = String(v);
  const out = await w.recompute();
  await new Promise(r => setTimeout(r, 50));
  const rows = out ? out.result.rows.map(r => [r.ticker, r.window, r.alpha, r.beta, r.car, r.se, r.t, r.p, r.market_adjusted]) : [];
  const table = [...host.querySelectorAll('.es-table tr')].map(tr => [...tr.children].map(c => c.textContent));
  return {rows, table, status: host.querySelector('.es-status').textContent,
          errors: [...host.querySelectorAll('.es-errors li')].map(li => li.textContent), text: host.textContent};
}"""

DESIGNS = {
    "the book's design": {},
    "another design": {"eventDate": "2025-01-21", "estimationLength": 200, "gap": 20, "from": -3, "to": 3},
    "a holiday": {"eventDate": "2025-01-20"},
    "too short an estimation": {"eventDate": "2025-01-27", "estimationLength": 10},
}


def _tooltip(tab) -> str:
    """The tooltip a reader gets over the first dot of the first chart."""
    tab.locator(".es-car svg path[role=graphics-symbol], .es-car svg .mark-symbol path").first.hover(force=True)
    tab.wait_for_function("document.querySelector('#vg-tooltip-element')?.textContent.length > 0", timeout=10000)
    return tab.locator("#vg-tooltip-element").text_content()


@needs_both_editions
def test_the_chinese_chapter_runs_the_event_study_in_chinese_with_the_english_numbers(browser):
    from test_edition import english_runs

    from shockbook.site.edition import zh_iso_dates

    seen: dict[str, dict] = {}
    with pdf.serve(BUILT) as url:
        for lang, page in EDITIONS.items():
            context, tab, errors, foreign = open_page(browser, f"{url}/{page}")
            assert tab.evaluate("typeof window.ShockbookEventStudy") == "object", f"{page}: the page lacks eventstudy.js"
            tab.wait_for_function("document.querySelector('.shockbook-eventstudy')?.dataset.state === 'ready'", timeout=30000)
            tab.wait_for_function("document.querySelectorAll('.shockbook-eventstudy svg g[class*=\"mark-\"]').length > 0",
                                  timeout=30000)
            seen[lang] = {"tooltip": _tooltip(tab)}
            seen[lang].update({name: tab.evaluate(READ_WIDGET, d) for name, d in DESIGNS.items()})
            context.close()
            assert not errors, f"{page}: {errors}"
            assert not foreign, f"{page}: {foreign}"
    en, zh = seen["en"], seen["zh"]
    for name in DESIGNS:
        # The same arithmetic on the same files: the same numbers, bit for bit, and the same table cells
        # but the company names and the headers.
        assert zh[name]["rows"] == en[name]["rows"], name
        assert [r[:1] + r[3:] for r in zh[name]["table"][1:]] == [r[:1] + r[3:] for r in en[name]["table"][1:]], name
        assert len(zh[name]["errors"]) == len(en[name]["errors"]), name
        text = zh[name]["text"]
        assert not english_runs(text), f"{name}: English left in the Chinese widget: {english_runs(text)[:3]}"
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), f"{name}: an ISO date in the Chinese widget"
    assert len(en["the book's design"]["rows"]) == 23 * 4
    # The English page is as it was.
    assert en["the book's design"]["table"][0][:5] == ["Ticker", "Company", "Beta", "CAR (+0,+0) (%)", "t (+0,+0)"]
    ev, _ = events.abnormal_returns("NVDA", "^GSPC", events.Design(event_date="2025-01-27", estimation_length=250, gap=30,
                                                                   window=(-5, 5)))
    first, last = (f"{d:%Y-%m-%d}" for d in ev.attrs["estimation"])
    assert en["the book's design"]["status"].startswith(f"23 stocks against ^GSPC; estimation window {first} to {last} (250 returns).")
    assert en["a holiday"]["errors"][0] == "NVDA: NVDA did not trade on 2025-01-20 (a holiday on its market, US)."
    assert en["too short an estimation"]["errors"] == ["design: estimation length 10 is too short; use at least 30 trading days."]
    assert "Company" in en["tooltip"] and "CAR, market model (%)" in en["tooltip"]
    # The Chinese page in Chinese: glossary terms, company names, dates written 2025年1月27日.
    zh_book = zh["the book's design"]
    assert zh_book["table"][0][:5] == ["代码", "公司", "贝塔", "CAR (+0,+0)（%）", "t (+0,+0)"]
    assert zh_book["table"][1][:2] == ["NVDA", "英伟达"]
    assert zh_book["status"].startswith(f"23 只股票，市场代理 ^GSPC；估计窗口{zh_iso_dates(first)}至{zh_iso_dates(last)}（250 个收益）")
    assert "累计异常收益" in zh_book["text"] and "市场模型" in zh_book["text"] and "事件日" in zh_book["text"]
    assert zh["a holiday"]["errors"][0] == "NVDA：NVDA 在2025年1月20日没有交易（美国市场休市）。"
    assert zh["too short an estimation"]["errors"] == ["设定：估计长度 10 太短：至少需要 30 个交易日。"]
    assert "公司" in zh["tooltip"] and "CAR，市场模型（%）" in zh["tooltip"] and not english_runs(zh["tooltip"])
