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
import json
import math
import os
import shutil
import threading

import numpy as np
import pandas as pd
import pytest

from shockbook import paths
from shockbook.analysis import events
from shockbook.data import cache, catalog
from shockbook.site import sitefiles

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
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


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: `apt-get install chromium` (make test does it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield b
        b.close()


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
    stocks = [s for s in catalog.SERIES if not s.index]
    proxies: dict[str, list[str]] = {}
    for s in catalog.SERIES:
        if s.index or s.group.startswith("US indices"):
            proxies.setdefault(s.market, []).append(s.ticker)
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
