/*
 * The event study of chapter 1, recomputed in the reader's browser from the price files the site
 * ships (_data/eventstudy/). No server, no library: the arithmetic below mirrors
 * shockbook/analysis/events.py line for line, and tests/test_eventstudy_js.py checks it against that
 * module on hundreds of random designs in a real browser.
 *
 *   returns      simple returns of Adj Close where the series has one, else Close (events.simple_returns)
 *   model        OLS market model on `estimationLength` returns that end `gap` sessions before the
 *                event window opens, on the dates where both the stock and the proxy have a return
 *   AR variance  sigma^2 (1 + 1/n + (x_t - xbar)^2 / Sxx): estimation error included (events.ar_covariance)
 *   CAR variance the sum of that covariance matrix over the window; t = CAR / se, p two-sided, n - 2 df
 *
 * Loaded on every page of the site (jupyter-book adds every script in _static); it does nothing
 * unless the page has an element with class "shockbook-eventstudy".
 */
(function (global) {
  "use strict";

  // ------------------------------------------------------------------ data

  function parseCsv(text) {
    var lines = text.split(/\r?\n/).filter(function (l) { return l.length > 0; });
    var header = lines[0].split(",");
    var cols = {};
    header.forEach(function (h) { cols[h] = []; });
    for (var i = 1; i < lines.length; i++) {
      var cells = lines[i].split(",");
      for (var j = 0; j < header.length; j++) {
        var h = header[j], v = cells[j];
        cols[h].push(h === "Date" ? v : (v === undefined || v === "" ? NaN : Number(v)));
      }
    }
    return cols;
  }

  // Close-to-close simple returns; a missing price gives no return on either side of it (pandas' pct_change, dropna).
  function simpleReturns(dates, prices) {
    var outDates = [], r = [];
    for (var i = 1; i < prices.length; i++) {
      var v = prices[i] / prices[i - 1] - 1;
      if (!isNaN(v)) { outDates.push(dates[i]); r.push(v); }
    }
    return { dates: outDates, r: r };
  }

  // Dates where both series have a return, in order (pandas' concat(join="inner") on sorted indexes).
  function innerJoin(a, b) {
    var where = new Map();
    b.dates.forEach(function (d, i) { where.set(d, i); });
    var dates = [], r = [], rm = [];
    a.dates.forEach(function (d, i) {
      if (where.has(d)) { dates.push(d); r.push(a.r[i]); rm.push(b.r[where.get(d)]); }
    });
    return { dates: dates, r: r, rm: rm };
  }

  // ------------------------------------------------------------------ statistics

  function mean(xs) {
    var s = 0;
    for (var i = 0; i < xs.length; i++) s += xs[i];
    return s / xs.length;
  }

  function fitMarketModel(y, x) {
    var n = y.length;
    if (n !== x.length) throw new Error("y and x must be of the same length.");
    if (n < 3) throw new Error("the estimation window has " + n + " observations; a market model needs at least 3.");
    var xMean = mean(x), yMean = mean(y), xSs = 0, sxy = 0, i;
    for (i = 0; i < n; i++) { xSs += (x[i] - xMean) * (x[i] - xMean); }
    if (xSs === 0) throw new Error("the market return is constant in the estimation window: the beta is not identified.");
    for (i = 0; i < n; i++) { sxy += (x[i] - xMean) * (y[i] - yMean); }
    var beta = sxy / xSs, alpha = yMean - beta * xMean, ssr = 0, resid = new Array(n);
    for (i = 0; i < n; i++) { resid[i] = y[i] - alpha - beta * x[i]; ssr += resid[i] * resid[i]; }
    return { alpha: alpha, beta: beta, sigma2: ssr / (n - 2), n: n, xMean: xMean, xSs: xSs, residuals: resid };
  }

  // V = sigma^2 (I + 1/n + d d' / Sxx), d = x_event - xbar (events.ar_covariance).
  function arCovariance(model, xEvent) {
    var k = xEvent.length, d = xEvent.map(function (v) { return v - model.xMean; }), v = [];
    for (var t = 0; t < k; t++) {
      var row = new Array(k);
      for (var s = 0; s < k; s++) {
        row[s] = model.sigma2 * ((t === s ? 1 : 0) + 1 / model.n + d[t] * d[s] / model.xSs);
      }
      v.push(row);
    }
    return v;
  }

  function checkDesign(design) {
    var lo = design.window[0], hi = design.window[1];
    if (!(Number.isInteger(lo) && Number.isInteger(hi))) throw new Error("the event window must be two whole numbers of trading days.");
    if (lo > 0 || hi < 0) throw new Error("the event window (" + lo + ", " + hi + ") must contain day 0 (the event date).");
    if (!Number.isInteger(design.estimationLength) || design.estimationLength < 30) {
      throw new Error("estimation length " + design.estimationLength + " is too short; use at least 30 trading days.");
    }
    if (!Number.isInteger(design.gap) || design.gap < 0) throw new Error("gap " + design.gap + " must be zero or positive.");
  }

  // stock, market: {ticker, market, dates, prices} (prices: the total-return column).
  function abnormalReturns(stock, proxy, design) {
    checkDesign(design);
    if (stock.market !== proxy.market) {
      throw new Error(stock.ticker + " trades on the " + stock.market + " calendar but the market proxy " + proxy.ticker +
        " is on the " + proxy.market + " calendar; choose a proxy from the same market.");
    }
    var day = design.eventDate;
    if (day < stock.dates[0] || day > stock.dates[stock.dates.length - 1]) {
      throw new Error(day + " is outside the data for " + stock.ticker + " (" + stock.dates[0] + ".." + stock.dates[stock.dates.length - 1] + ").");
    }
    if (stock.dates.indexOf(day) < 0) throw new Error(stock.ticker + " did not trade on " + day + " (a holiday on its market, " + stock.market + ").");
    var both = innerJoin(simpleReturns(stock.dates, stock.prices), simpleReturns(proxy.dates, proxy.prices));
    var pos0 = both.dates.indexOf(day);
    if (pos0 < 0) throw new Error(proxy.ticker + " has no return on " + day + ", the event date.");
    var lo = design.window[0], hi = design.window[1];
    var estEnd = pos0 + lo - design.gap, estStart = estEnd - design.estimationLength;
    if (estStart < 0) {
      throw new Error("the estimation window for " + stock.ticker + " needs " + design.estimationLength + " returns ending " + design.gap +
        " sessions before the event window, but the data start on " + both.dates[0] + " (only " + Math.max(estEnd, 0) +
        " returns available). Shorten the estimation length or the gap.");
    }
    if (pos0 + hi >= both.dates.length) throw new Error("the event window ends after the data for " + stock.ticker + " (" + both.dates[both.dates.length - 1] + ").");
    var model = fitMarketModel(both.r.slice(estStart, estEnd), both.rm.slice(estStart, estEnd));
    var ev = { ticker: stock.ticker, market: proxy.ticker, relDay: [], dates: [], r: [], rm: [], ar: [], arVar: [], marketAdjusted: [],
      estimation: [both.dates[estStart], both.dates[estEnd - 1]] };
    for (var p = pos0 + lo, rel = lo; p <= pos0 + hi; p++, rel++) {
      ev.relDay.push(rel); ev.dates.push(both.dates[p]); ev.r.push(both.r[p]); ev.rm.push(both.rm[p]);
      ev.ar.push(both.r[p] - model.alpha - model.beta * both.rm[p]);
      ev.marketAdjusted.push(both.r[p] - both.rm[p]);
    }
    var cov = arCovariance(model, ev.rm);
    ev.arVar = cov.map(function (row, i) { return row[i]; });
    return { ev: ev, model: model };
  }

  function car(ev, model, t1, t2) {
    if (t1 > t2) throw new Error("window (" + t1 + ", " + t2 + ") is empty: the first day must not come after the last.");
    var idx = [];
    ev.relDay.forEach(function (d, i) { if (d >= t1 && d <= t2) idx.push(i); });
    if (idx.length !== t2 - t1 + 1) {
      throw new Error("window (" + t1 + ", " + t2 + ") is outside the event window studied (" + ev.relDay[0] + ", " + ev.relDay[ev.relDay.length - 1] + ").");
    }
    var cov = arCovariance(model, idx.map(function (i) { return ev.rm[i]; }));
    var variance = 0, value = 0, madj = 0;
    cov.forEach(function (row) { row.forEach(function (c) { variance += c; }); });
    idx.forEach(function (i) { value += ev.ar[i]; madj += ev.marketAdjusted[i]; });
    var se = Math.sqrt(variance), t = value / se;
    return { car: value, variance: variance, se: se, t: t, p: twoSidedP(t, model.n - 2), marketAdjusted: madj };
  }

  // ---- Student's t: p = I_{df/(df+t^2)}(df/2, 1/2), the regularized incomplete beta function.
  function logGamma(z) {
    var g = 7, c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
    if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
    z -= 1;
    var x = c[0];
    for (var i = 1; i < g + 2; i++) x += c[i] / (z + i);
    var t = z + g + 0.5;
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
  }

  function betaContinuedFraction(a, b, x) {
    var tiny = 1e-300, qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    var h = d;
    for (var m = 1; m <= 1000; m++) {
      var m2 = 2 * m, aa = m * (b - m) * x / ((qam + m2) * (a + m2));
      d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d; h *= d * c;
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
      d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      var del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-16) break;
    }
    return h;
  }

  // Stirling's correction: lgamma(x) = (x - 1/2) ln x - x + ln(2 pi)/2 + stirlingDelta(x), for x >= 10.
  function stirlingDelta(x) {
    var x2 = 1 / (x * x);
    return (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 / 1188)))) / x;
  }

  // ln B(a, b). For large a the gamma functions are huge and their difference loses digits, so the
  // difference lgamma(a + b) - lgamma(a) is expanded directly (as Cephes' lbeta does for large arguments).
  function logBeta(a, b) {
    if (a < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
    var diff = (a - 0.5) * Math.log1p(b / a) + b * Math.log(a + b) - b + stirlingDelta(a + b) - stirlingDelta(a);
    return logGamma(b) - diff;
  }

  // I_x(a, b), with y = 1 - x given separately so that neither tail loses digits.
  function regularizedBeta(x, y, a, b) {
    if (x <= 0) return 0;
    if (y <= 0) return 1;
    var lbt = a * Math.log(x) + b * Math.log(y) - logBeta(a, b);
    if (x < (a + 1) / (a + b + 2)) return Math.exp(lbt) * betaContinuedFraction(a, b, x) / a;
    return 1 - Math.exp(lbt) * betaContinuedFraction(b, a, y) / b;
  }

  function twoSidedP(t, df) {
    if (!isFinite(t)) return isNaN(t) ? NaN : 0;
    var t2 = t * t;
    return regularizedBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5);
  }

  // ------------------------------------------------------------------ loading

  function EventStudyData(root) {
    this.root = root.replace(/\/?$/, "/");
    this.cache = new Map();
    this.series = null;
  }
  EventStudyData.prototype.catalog = function () {
    var self = this;
    if (!this.series) {
      this.series = fetch(this.root + "series.json").then(function (r) {
        if (!r.ok) throw new Error("the event study's data are missing (" + r.status + " for series.json).");
        return r.json();
      });
    }
    return this.series;
  };
  EventStudyData.prototype.load = function (ticker) {
    var self = this;
    if (!this.cache.has(ticker)) {
      this.cache.set(ticker, this.catalog().then(function (all) {
        var info = all.find(function (s) { return s.ticker === ticker; });
        if (!info) throw new Error(ticker + " is not among the series the book ships.");
        return fetch(self.root + "prices/" + encodeURIComponent(info.file)).then(function (r) {
          if (!r.ok) throw new Error("cannot read the prices of " + ticker + " (" + r.status + ").");
          return r.text();
        }).then(function (text) {
          var cols = parseCsv(text);
          return { ticker: ticker, name: info.name, group: info.group, market: info.market, dates: cols.Date, prices: cols[info.column] };
        });
      }));
    }
    return this.cache.get(ticker);
  };

  // Every ticker against one proxy: rows per (ticker, window), like events.study; a failed ticker is reported, not fatal.
  function studyLoaded(stocks, proxy, design, windows) {
    var rows = [], paths = [], errors = [];
    stocks.forEach(function (s) {
      var res;
      try { res = abnormalReturns(s, proxy, design); } catch (e) { errors.push({ ticker: s.ticker, message: e.message }); return; }
      windows.forEach(function (w) {
        if (w[0] < design.window[0] || w[1] > design.window[1]) return;
        var c = car(res.ev, res.model, w[0], w[1]);
        rows.push({ ticker: s.ticker, name: s.name, group: s.group, window: label(w), alpha: res.model.alpha, beta: res.model.beta,
          car: c.car, se: c.se, t: c.t, p: c.p, market_adjusted: c.marketAdjusted });
      });
      var cum = 0;
      res.ev.ar.forEach(function (a, i) {
        cum += a;
        paths.push({ ticker: s.ticker, rel_day: res.ev.relDay[i], date: res.ev.dates[i], ar_pct: a * 100, car_pct: cum * 100 });
      });
      s.estimation = res.ev.estimation;
    });
    return { rows: rows, paths: paths, errors: errors };
  }

  function label(w) {
    function sgn(v) { return (v >= 0 ? "+" : "-") + Math.abs(v); }
    return "(" + sgn(w[0]) + "," + sgn(w[1]) + ")";
  }

  // ------------------------------------------------------------------ the widget

  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"];
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
  var DEFAULT_TICKERS = ["NVDA", "AVGO", "TSM", "AMD", "MU", "MRVL", "ARM", "ASML", "AMAT", "LRCX", "KLAC", "ANET", "SMCI",
    "DELL", "VRT", "VST", "CEG", "MSFT", "META", "GOOGL", "AMZN", "ORCL", "AAPL"];
  var PATH_TICKERS = ["NVDA", "AVGO", "VST", "MSFT", "AAPL"];  // the names chapter 1's own chart follows

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k]; else if (k === "class") e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }

  function contentRoot() {
    var r = document.documentElement.getAttribute("data-content_root");
    return r === null ? "./" : r;
  }

  function Widget(host) {
    this.host = host;
    var root = host.getAttribute("data-root") || (contentRoot() + "_data/eventstudy/");
    this.data = new EventStudyData(root);
    this.defaults = {
      eventDate: host.getAttribute("data-event-date") || "2025-01-27",
      estimationLength: parseInt(host.getAttribute("data-estimation-length") || "250", 10),
      gap: parseInt(host.getAttribute("data-gap") || "30", 10),
      window: [parseInt(host.getAttribute("data-window-from") || "-5", 10), parseInt(host.getAttribute("data-window-to") || "5", 10)],
      proxy: host.getAttribute("data-market-proxy") || "^GSPC",
      tickers: (host.getAttribute("data-tickers") || DEFAULT_TICKERS.join(",")).split(",")
    };
  }

  Widget.prototype.start = function () {
    var self = this;
    return this.data.catalog().then(function (series) { self.build(series); return self.recompute(); })
      .catch(function (e) { self.host.textContent = "The interactive event study could not start: " + e.message; console.error(e); });
  };

  Widget.prototype.build = function (series) {
    var self = this, d = this.defaults;
    this.series = series;
    // What the page says without JavaScript stays, shown in print only: on paper there is nothing to
    // operate, and the recomputed charts and timings would differ between two prints.
    var note = el("div", { class: "es-print-note" }, Array.prototype.slice.call(this.host.childNodes));
    this.host.textContent = "";
    this.host.appendChild(note);
    function field(text, input) { return el("label", { class: "es-field" }, [el("span", { text: text }), input]); }
    this.inputs = {
      eventDate: el("input", { type: "date", value: d.eventDate, min: "2023-01-04", max: "2025-12-31" }),
      estimationLength: el("input", { type: "number", value: String(d.estimationLength), min: "30", max: "600", step: "1" }),
      gap: el("input", { type: "number", value: String(d.gap), min: "0", max: "250", step: "1" }),
      from: el("input", { type: "number", value: String(d.window[0]), min: "-30", max: "0", step: "1" }),
      to: el("input", { type: "number", value: String(d.window[1]), min: "0", max: "30", step: "1" }),
      proxy: el("select", {}),
      chartWindow: el("select", {})
    };
    series.forEach(function (s) {
      var o = el("option", { value: s.ticker, text: s.ticker + " — " + s.name + " (" + s.market + ")" });
      if (s.ticker === d.proxy) o.selected = true;
      self.inputs.proxy.appendChild(o);
    });
    this.tickerBox = el("div", { class: "es-tickers" });
    var controls = el("div", { class: "es-controls" }, [
      field("Event day (day 0)", this.inputs.eventDate),
      field("Estimation length (trading days)", this.inputs.estimationLength),
      field("Gap before the event window", this.inputs.gap),
      field("Event window from", this.inputs.from),
      field("to", this.inputs.to),
      field("Market proxy", this.inputs.proxy),
      field("Window in the first chart", this.inputs.chartWindow)
    ]);
    this.status = el("p", { class: "es-status", role: "status" });
    this.errors = el("ul", { class: "es-errors" });
    this.carChart = el("div", { class: "es-chart es-car" });
    this.pathChart = el("div", { class: "es-chart es-path" });
    this.table = el("div", { class: "es-table" });
    this.host.appendChild(el("div", { class: "es-form" }, [controls, el("details", { class: "es-ticker-picker" },
      [el("summary", { text: "Stocks" }), this.tickerBox])]));
    [this.status, this.errors, this.carChart, this.pathChart, this.table].forEach(function (n) { self.host.appendChild(n); });
    this.fillTickers(d.tickers);
    var again = function () { self.recompute(); };
    Object.keys(this.inputs).forEach(function (k) {
      self.inputs[k].addEventListener("change", function () { if (k === "proxy") self.fillTickers(self.chosenTickers()); again(); });
    });
  };

  Widget.prototype.proxyMarket = function () {
    var p = this.inputs.proxy.value;
    return (this.series.find(function (s) { return s.ticker === p; }) || {}).market;
  };

  // Only stocks on the proxy's calendar can be studied against it: the list follows the proxy.
  Widget.prototype.fillTickers = function (chosen) {
    var self = this, market = this.proxyMarket();
    this.tickerBox.textContent = "";
    var groups = {};
    this.series.forEach(function (s) {
      if (s.market !== market || s.index || s.ticker === self.inputs.proxy.value) return;
      (groups[s.group] = groups[s.group] || []).push(s);
    });
    Object.keys(groups).forEach(function (g) {
      var box = el("fieldset", {}, [el("legend", { text: g })]);
      groups[g].forEach(function (s) {
        var cb = el("input", { type: "checkbox", value: s.ticker });
        cb.checked = chosen.indexOf(s.ticker) >= 0;
        cb.addEventListener("change", function () { self.recompute(); });
        box.appendChild(el("label", { title: s.name }, [cb, document.createTextNode(" " + s.ticker)]));
      });
      self.tickerBox.appendChild(box);
    });
  };

  Widget.prototype.chosenTickers = function () {
    return Array.prototype.map.call(this.tickerBox.querySelectorAll("input:checked"), function (c) { return c.value; });
  };

  Widget.prototype.design = function () {
    var i = this.inputs;
    return { eventDate: i.eventDate.value, estimationLength: Number(i.estimationLength.value), gap: Number(i.gap.value),
      window: [Number(i.from.value), Number(i.to.value)] };
  };

  Widget.prototype.recompute = function () {
    var self = this, design = this.design(), tickers = this.chosenTickers(), proxyTicker = this.inputs.proxy.value;
    var windows = [[0, 0], [0, 1], [-1, 1], design.window];
    var seen = {};
    windows = windows.filter(function (w) { var k = label(w); if (seen[k]) return false; seen[k] = 1; return true; });
    var chosenWindow = this.inputs.chartWindow.value || "(+0,+0)";
    this.inputs.chartWindow.textContent = "";
    windows.forEach(function (w) {
      var o = el("option", { value: label(w), text: label(w) });
      if (label(w) === chosenWindow) o.selected = true;
      self.inputs.chartWindow.appendChild(o);
    });
    try { checkDesign(design); } catch (e) { this.show({ rows: [], paths: [], errors: [{ ticker: "design", message: e.message }] }, 0, design); return Promise.resolve(); }
    if (!tickers.length) { this.show({ rows: [], paths: [], errors: [{ ticker: "stocks", message: "choose at least one stock." }] }, 0, design); return Promise.resolve(); }
    return Promise.all([this.data.load(proxyTicker)].concat(tickers.map(function (t) { return self.data.load(t); })))
      .then(function (loaded) {
        var t0 = performance.now();
        var res = studyLoaded(loaded.slice(1), loaded[0], design, windows);
        var ms = performance.now() - t0;
        res.estimation = (loaded.slice(1).find(function (s) { return s.estimation; }) || {}).estimation;
        self.show(res, ms, design);
        return { result: res, ms: ms };
      });
  };

  Widget.prototype.show = function (res, ms, design) {
    var self = this;
    this.errors.textContent = "";
    res.errors.forEach(function (e) { self.errors.appendChild(el("li", { text: e.ticker + ": " + e.message })); });
    var n = new Set(res.rows.map(function (r) { return r.ticker; })).size;
    this.status.textContent = n ? (n + " stock" + (n > 1 ? "s" : "") + " against " + this.inputs.proxy.value + "; estimation window " +
      (res.estimation ? res.estimation[0] + " to " + res.estimation[1] : "") + " (" + design.estimationLength + " returns). Recomputed in your browser in " +
      ms.toFixed(1) + " ms.") : "Nothing to show for this design.";
    this.host.setAttribute("data-state", "ready");
    this.host.dispatchEvent(new CustomEvent("shockbook:eventstudy", { detail: { result: res, ms: ms } }));
    var w = this.inputs.chartWindow.value;
    var rows = res.rows.filter(function (r) { return r.window === w; }).map(function (r) {
      return { ticker: r.ticker, name: r.name, car: r.car * 100, se: r.se * 100, t: r.t, beta: r.beta, market_adjusted: r.market_adjusted * 100,
        lo: (r.car - 1.96 * r.se) * 100, hi: (r.car + 1.96 * r.se) * 100 };
    });
    this.drawTable(res.rows);
    if (typeof vegaEmbed === "undefined") { this.carChart.textContent = "The charts need the vega libraries the site serves."; return; }
    var config = { font: FONT, view: { stroke: null }, range: { category: PALETTE }, title: { anchor: "start", fontSize: 14, subtitleColor: "#555" },
      axis: { gridColor: "#e6e6e6", domainColor: "#888", tickColor: "#888" }, legend: { orient: "bottom" } };
    var tips = [{ field: "name", title: "Company" }, { field: "car", title: "CAR, market model (%)", format: "+.2f", type: "quantitative" },
      { field: "se", title: "Standard error (pp)", format: ".2f", type: "quantitative" }, { field: "t", title: "t", format: "+.2f", type: "quantitative" },
      { field: "market_adjusted", title: "Market-adjusted (%)", format: "+.2f", type: "quantitative" }, { field: "beta", title: "Beta", format: ".2f", type: "quantitative" }];
    var y = { field: "ticker", type: "nominal", sort: { field: "car", order: "ascending" }, title: null };
    var carSpec = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: config, data: { values: rows },
      title: { text: "Abnormal returns over " + w + ", recomputed", subtitle: ["Dot: market model, with 95% interval; tick: market-adjusted (stock minus market)"] },
      width: 500, height: Math.max(15 * rows.length, 30),
      layer: [
        { mark: { type: "rule", strokeWidth: 2, color: "#999" }, encoding: { y: y, x: { field: "lo", type: "quantitative", title: "Cumulative abnormal return " + w + " (%)" }, x2: { field: "hi" } } },
        { data: { values: [{ x: 0 }] }, mark: { type: "rule", color: "#444" }, encoding: { x: { field: "x", type: "quantitative" } } },
        { mark: { type: "point", filled: true, size: 60, color: "#D55E00" }, encoding: { y: y, x: { field: "car", type: "quantitative" }, tooltip: tips } },
        { mark: { type: "tick", color: "#0072B2", thickness: 2, size: 12 }, encoding: { y: y, x: { field: "market_adjusted", type: "quantitative" }, tooltip: tips } }
      ] };
    // As in the chapter: a few names, not two dozen tangled lines (the table has them all).
    var chosen = res.paths.map(function (p) { return p.ticker; }).filter(function (t, i, a) { return a.indexOf(t) === i; });
    var shown = PATH_TICKERS.filter(function (t) { return chosen.indexOf(t) >= 0; });
    if (!shown.length) shown = chosen.slice(0, 5);
    var pathSpec = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: config,
      data: { values: res.paths.filter(function (p) { return shown.indexOf(p.ticker) >= 0; }) },
      title: { text: "Abnormal returns day by day, recomputed", subtitle: ["Market model, cumulated from the start of the event window; " +
        (shown.length < chosen.length ? shown.length + " of the " + chosen.length + " stocks (all are in the table)" : "every stock chosen")] },
      width: 500, height: 280,
      params: [{ name: "pick", select: { type: "point", fields: ["ticker"] }, bind: "legend" }],
      mark: { type: "line", point: true },
      encoding: { x: { field: "rel_day", type: "quantitative", title: "Trading days from the event", axis: { tickMinStep: 1 } },
        y: { field: "car_pct", type: "quantitative", title: "Cumulative abnormal return (%)" },
        color: { field: "ticker", type: "nominal", title: "Ticker (click to highlight)" },
        opacity: { condition: { param: "pick", value: 1 }, value: 0.15 },
        tooltip: [{ field: "ticker" }, { field: "date", title: "Date" }, { field: "ar_pct", title: "Abnormal return that day (%)", format: "+.2f", type: "quantitative" },
          { field: "car_pct", title: "Cumulative (%)", format: "+.2f", type: "quantitative" }] } };
    var opts = { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" };
    if (!rows.length) { this.carChart.textContent = ""; this.pathChart.textContent = ""; return; }
    // Like the book's own charts: the menu button gets a name, the drawing a text alternative.
    function named(el, what) {
      return function () {
        var menu = el.querySelector("details > summary");
        if (menu) { menu.setAttribute("aria-label", "Chart actions: save as SVG or PNG"); }
        el.querySelectorAll('svg[role="graphics-document"], svg[role="img"], svg.marks').forEach(function (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", what);
        });
        // As the book's renderer does: an empty layer is hidden, other unnamed parts take the name.
        el.querySelectorAll('[role="graphics-symbol"]:not([aria-label])').forEach(function (n) {
          if (!n.childElementCount) n.setAttribute("aria-hidden", "true"); else n.setAttribute("aria-label", what);
        });
      };
    }
    vegaEmbed(this.carChart, carSpec, opts).then(named(this.carChart, "Abnormal returns of the chosen stocks over the chosen windows, with 95% intervals, recomputed in the page"))
      .catch(function (e) { console.error(e); });
    vegaEmbed(this.pathChart, pathSpec, opts).then(named(this.pathChart, "Cumulative abnormal returns day by day through the event window, recomputed in the page"))
      .catch(function (e) { console.error(e); });
  };

  Widget.prototype.drawTable = function (rows) {
    this.table.textContent = "";
    if (!rows.length) return;
    var windows = [], byTicker = new Map();
    rows.forEach(function (r) {
      if (windows.indexOf(r.window) < 0) windows.push(r.window);
      if (!byTicker.has(r.ticker)) byTicker.set(r.ticker, { ticker: r.ticker, name: r.name, beta: r.beta });
      byTicker.get(r.ticker)[r.window] = r;
    });
    var head = ["Ticker", "Company", "Beta"];
    windows.forEach(function (w) { head.push("CAR " + w + " (%)", "t " + w); });
    var thead = el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { text: h }); }))]);
    var tbody = el("tbody");
    byTicker.forEach(function (r) {
      var cells = [r.ticker, r.name, r.beta.toFixed(2)];
      windows.forEach(function (w) {
        var c = r[w];
        cells.push(c ? (c.car >= 0 ? "+" : "") + (c.car * 100).toFixed(1) : "–", c ? (c.t >= 0 ? "+" : "") + c.t.toFixed(2) : "–");
      });
      tbody.appendChild(el("tr", {}, cells.map(function (v) { return el("td", { text: v }); })));
    });
    this.table.appendChild(el("table", { class: "shockbook-table" }, [thead, tbody]));
  };

  var api = { parseCsv: parseCsv, simpleReturns: simpleReturns, innerJoin: innerJoin, fitMarketModel: fitMarketModel,
    arCovariance: arCovariance, abnormalReturns: abnormalReturns, car: car, twoSidedP: twoSidedP, checkDesign: checkDesign,
    studyLoaded: studyLoaded, EventStudyData: EventStudyData, Widget: Widget, widgets: [] };
  global.ShockbookEventStudy = api;

  function startAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".shockbook-eventstudy"), function (host) {
      var w = new Widget(host);
      api.widgets.push(w);
      w.ready = w.start();
    });
  }
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll); else startAll();
  }
})(typeof window !== "undefined" ? window : globalThis);
