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

  // ------------------------------------------------------------------ words, per edition
  // Every string the widget shows comes from the table of the page's edition, picked by the page's
  // <html lang> (the Chinese edition's pages are lang="zh-CN"). The arithmetic is the same in both.

  var ZH_MARKETS = { US: "美国", HK: "香港", CN: "中国内地", JP: "日本", TW: "台湾", FX: "外汇" };

  function zhDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    return m ? m[1] + "年" + Number(m[2]) + "月" + Number(m[3]) + "日" : iso;
  }

  var WORDS = {
    en: {
      date: function (iso) { return iso; },
      market: function (code) { return code; },
      seriesName: function (s) { return s.name; },
      seriesGroup: function (s) { return s.group; },
      sameLength: "y and x must be of the same length.",
      tooFewObservations: function (n) { return "the estimation window has " + n + " observations; a market model needs at least 3."; },
      constantMarket: "the market return is constant in the estimation window: the beta is not identified.",
      wholeDays: "the event window must be two whole numbers of trading days.",
      windowWithoutDayZero: function (lo, hi) { return "the event window (" + lo + ", " + hi + ") must contain day 0 (the event date)."; },
      tooShort: function (n) { return "estimation length " + n + " is too short; use at least 30 trading days."; },
      negativeGap: function (g) { return "gap " + g + " must be zero or positive."; },
      otherCalendar: function (stock, market, proxy, proxyMarket) {
        return stock + " trades on the " + market + " calendar but the market proxy " + proxy + " is on the " + proxyMarket +
          " calendar; choose a proxy from the same market.";
      },
      outsideData: function (day, ticker, first, last) { return day + " is outside the data for " + ticker + " (" + first + ".." + last + ")."; },
      noTrading: function (ticker, day, market) { return ticker + " did not trade on " + day + " (a holiday on its market, " + market + ")."; },
      proxyNoReturn: function (proxy, day) { return proxy + " has no return on " + day + ", the event date."; },
      estimationTooEarly: function (ticker, length, gap, start, available) {
        return "the estimation window for " + ticker + " needs " + length + " returns ending " + gap +
          " sessions before the event window, but the data start on " + start + " (only " + available +
          " returns available). Shorten the estimation length or the gap.";
      },
      windowAfterData: function (ticker, last) { return "the event window ends after the data for " + ticker + " (" + last + ")."; },
      emptyWindow: function (t1, t2) { return "window (" + t1 + ", " + t2 + ") is empty: the first day must not come after the last."; },
      outsideWindow: function (t1, t2, a, b) { return "window (" + t1 + ", " + t2 + ") is outside the event window studied (" + a + ", " + b + ")."; },
      dataMissing: function (status) { return "the event study's data are missing (" + status + " for series.json)."; },
      unknownSeries: function (ticker) { return ticker + " is not among the series the book ships."; },
      unreadable: function (ticker, status) { return "cannot read the prices of " + ticker + " (" + status + ")."; },
      cannotStart: "The interactive event study could not start: ",
      fieldEventDay: "Event day (day 0)",
      fieldEstimationLength: "Estimation length (trading days)",
      fieldGap: "Gap before the event window",
      fieldFrom: "Event window from",
      fieldTo: "to",
      fieldProxy: "Market proxy",
      fieldChartWindow: "Window in the first chart",
      stocks: "Stocks",
      proxyOption: function (s, name, market) { return s.ticker + " — " + name + " (" + market + ")"; },
      designProblem: "design",
      stocksProblem: "stocks",
      chooseAStock: "choose at least one stock.",
      problem: function (who, message) { return who + ": " + message; },
      status: function (n, proxy, estimation, length, ms) {
        return n + " stock" + (n > 1 ? "s" : "") + " against " + proxy + "; estimation window " +
          (estimation ? estimation[0] + " to " + estimation[1] : "") + " (" + length + " returns). Recomputed in your browser in " + ms + " ms.";
      },
      nothingToShow: "Nothing to show for this design.",
      needsVega: "The charts need the vega libraries the site serves.",
      tipCompany: "Company",
      tipCar: "CAR, market model (%)",
      tipSe: "Standard error (pp)",
      tipMarketAdjusted: "Market-adjusted (%)",
      tipBeta: "Beta",
      tipTicker: null,  // vega's default: the field's name
      tipDate: "Date",
      tipArDay: "Abnormal return that day (%)",
      tipCumulative: "Cumulative (%)",
      carTitle: function (w) { return "Abnormal returns over " + w + ", recomputed"; },
      carSubtitle: "Dot: market model, with 95% interval; tick: market-adjusted (stock minus market)",
      carAxis: function (w) { return "Cumulative abnormal return " + w + " (%)"; },
      pathTitle: "Abnormal returns day by day, recomputed",
      pathSubtitle: function (shown, chosen) {
        return "Market model, cumulated from the start of the event window; " +
          (shown < chosen ? shown + " of the " + chosen + " stocks (all are in the table)" : "every stock chosen");
      },
      pathX: "Trading days from the event",
      pathY: "Cumulative abnormal return (%)",
      pathColor: "Ticker (click to highlight)",
      font: null,  // the widget's FONT
      embedI18n: null,  // vega-embed's own English
      actionsLabel: "Chart actions: save as SVG or PNG",
      carDescription: "Abnormal returns of the chosen stocks over the chosen windows, with 95% intervals, recomputed in the page",
      pathDescription: "Cumulative abnormal returns day by day through the event window, recomputed in the page",
      headTicker: "Ticker",
      headCompany: "Company",
      headBeta: "Beta",
      headCar: function (w) { return "CAR " + w + " (%)"; },
      headT: function (w) { return "t " + w; }
    },
    zh: {
      date: zhDate,
      market: function (code) { return ZH_MARKETS[code] || code; },
      // The Chinese names come with the data (sitefiles.event_study_catalog, from the edition's catalogue).
      seriesName: function (s) { return s.name_zh || s.name; },
      seriesGroup: function (s) { return s.group_zh || s.group; },
      sameLength: "y 与 x 的长度必须相同。",
      tooFewObservations: function (n) { return "估计窗口只有 " + n + " 个观测值；市场模型至少需要 3 个。"; },
      constantMarket: "估计窗口内的市场收益恒定不变：无法识别贝塔。",
      wholeDays: "事件窗口的两端必须是整数个交易日。",
      windowWithoutDayZero: function (lo, hi) { return "事件窗口 (" + lo + ", " + hi + ") 必须包含第 0 天（事件日）。"; },
      tooShort: function (n) { return "估计长度 " + n + " 太短：至少需要 30 个交易日。"; },
      negativeGap: function (g) { return "间隔 " + g + " 必须为零或正数。"; },
      otherCalendar: function (stock, market, proxy, proxyMarket) {
        return stock + " 按" + ZH_MARKETS[market] + "的交易日历交易，而市场代理 " + proxy + " 按" + (ZH_MARKETS[proxyMarket] || proxyMarket) +
          "的交易日历：请选择同一市场的代理。";
      },
      outsideData: function (day, ticker, first, last) { return zhDate(day) + "不在 " + ticker + " 的数据范围内（" + zhDate(first) + "至" + zhDate(last) + "）。"; },
      noTrading: function (ticker, day, market) { return ticker + " 在" + zhDate(day) + "没有交易（" + (ZH_MARKETS[market] || market) + "市场休市）。"; },
      proxyNoReturn: function (proxy, day) { return proxy + " 在事件日" + zhDate(day) + "没有收益。"; },
      estimationTooEarly: function (ticker, length, gap, start, available) {
        return ticker + " 的估计窗口需要 " + length + " 个收益，并在事件窗口开始前 " + gap + " 个交易日结束，但数据始于" + zhDate(start) +
          "（只有 " + available + " 个收益可用）。请缩短估计长度或间隔。";
      },
      windowAfterData: function (ticker, last) { return "事件窗口超出了 " + ticker + " 的数据（止于" + zhDate(last) + "）。"; },
      emptyWindow: function (t1, t2) { return "窗口 (" + t1 + ", " + t2 + ") 为空：第一天不能在最后一天之后。"; },
      outsideWindow: function (t1, t2, a, b) { return "窗口 (" + t1 + ", " + t2 + ") 超出了所研究的事件窗口 (" + a + ", " + b + ")。"; },
      dataMissing: function (status) { return "事件研究的数据缺失（series.json 返回 " + status + "）。"; },
      unknownSeries: function (ticker) { return ticker + " 不在本书附带的序列之中。"; },
      unreadable: function (ticker, status) { return "无法读取 " + ticker + " 的价格（" + status + "）。"; },
      cannotStart: "交互式事件研究无法启动：",
      fieldEventDay: "事件日（第 0 天）",
      fieldEstimationLength: "估计长度（交易日）",
      fieldGap: "事件窗口前的间隔（交易日）",
      fieldFrom: "事件窗口起点",
      fieldTo: "事件窗口终点",
      fieldProxy: "市场代理",
      fieldChartWindow: "第一张图的窗口",
      stocks: "股票",
      proxyOption: function (s, name, market) { return s.ticker + " — " + name + "（" + market + "）"; },
      designProblem: "设定",
      stocksProblem: "股票",
      chooseAStock: "请至少选择一只股票。",
      problem: function (who, message) { return who + "：" + message; },
      status: function (n, proxy, estimation, length, ms) {
        return n + " 只股票，市场代理 " + proxy + "；估计窗口" + (estimation ? zhDate(estimation[0]) + "至" + zhDate(estimation[1]) : "") +
          "（" + length + " 个收益）。已在你的浏览器中重新计算，用时 " + ms + " 毫秒。";
      },
      nothingToShow: "此设定没有可显示的结果。",
      needsVega: "图表需要网站自带的 vega 库。",
      tipCompany: "公司",
      tipCar: "CAR，市场模型（%）",
      tipSe: "标准误（百分点）",
      tipMarketAdjusted: "市场调整收益（%）",
      tipBeta: "贝塔",
      tipTicker: "代码",
      tipDate: "日期",
      tipArDay: "当日异常收益（%）",
      tipCumulative: "累计（%）",
      carTitle: function (w) { return "窗口 " + w + " 内的异常收益（重新计算）"; },
      carSubtitle: "圆点：市场模型，含95%区间；短线：市场调整收益（股票减市场）",
      carAxis: function (w) { return "累计异常收益 " + w + "（%）"; },
      pathTitle: "逐日的异常收益（重新计算）",
      pathSubtitle: function (shown, chosen) {
        return "市场模型，自事件窗口开始累计；" + (shown < chosen ? "显示 " + chosen + " 只股票中的 " + shown + " 只（全部见表格）" : "所选的全部股票");
      },
      pathX: "距事件的交易日数",
      pathY: "累计异常收益（%）",
      pathColor: "代码（点击可突出显示）",
      // Noto Sans CJK SC (make fonts) wherever the system font has no Chinese glyphs, as in the book's charts
      font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans CJK SC', 'Noto Sans CJK', sans-serif",
      embedI18n: { CLICK_TO_VIEW_ACTIONS: "点击查看操作", SVG_ACTION: "保存为 SVG", PNG_ACTION: "保存为 PNG",
        COMPILED_ACTION: "查看编译后的 Vega", EDITOR_ACTION: "在 Vega 编辑器中打开", SOURCE_ACTION: "查看源代码" },
      actionsLabel: "图表操作：保存为 SVG 或 PNG",
      carDescription: "所选股票在所选窗口内的异常收益及其95%区间，在页面中重新计算",
      pathDescription: "事件窗口内逐日的累计异常收益，在页面中重新计算",
      headTicker: "代码",
      headCompany: "公司",
      headBeta: "贝塔",
      headCar: function (w) { return "CAR " + w + "（%）"; },
      headT: function (w) { return "t " + w; }
    }
  };

  // The page's edition: "zh" for a page in Chinese (lang zh, zh-CN, ...), else "en" (and outside a page).
  function edition() {
    var lang = typeof document !== "undefined" && document.documentElement ? document.documentElement.getAttribute("lang") || "" : "";
    return /^zh\b/i.test(lang) ? "zh" : "en";
  }

  function words() { return WORDS[edition()]; }

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
    if (n !== x.length) throw new Error(words().sameLength);
    if (n < 3) throw new Error(words().tooFewObservations(n));
    var xMean = mean(x), yMean = mean(y), xSs = 0, sxy = 0, i;
    for (i = 0; i < n; i++) { xSs += (x[i] - xMean) * (x[i] - xMean); }
    if (xSs === 0) throw new Error(words().constantMarket);
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
    if (!(Number.isInteger(lo) && Number.isInteger(hi))) throw new Error(words().wholeDays);
    if (lo > 0 || hi < 0) throw new Error(words().windowWithoutDayZero(lo, hi));
    if (!Number.isInteger(design.estimationLength) || design.estimationLength < 30) {
      throw new Error(words().tooShort(design.estimationLength));
    }
    if (!Number.isInteger(design.gap) || design.gap < 0) throw new Error(words().negativeGap(design.gap));
  }

  // stock, market: {ticker, market, dates, prices} (prices: the total-return column).
  function abnormalReturns(stock, proxy, design) {
    checkDesign(design);
    if (stock.market !== proxy.market) {
      throw new Error(words().otherCalendar(stock.ticker, stock.market, proxy.ticker, proxy.market));
    }
    var day = design.eventDate;
    if (day < stock.dates[0] || day > stock.dates[stock.dates.length - 1]) {
      throw new Error(words().outsideData(day, stock.ticker, stock.dates[0], stock.dates[stock.dates.length - 1]));
    }
    if (stock.dates.indexOf(day) < 0) throw new Error(words().noTrading(stock.ticker, day, stock.market));
    var both = innerJoin(simpleReturns(stock.dates, stock.prices), simpleReturns(proxy.dates, proxy.prices));
    var pos0 = both.dates.indexOf(day);
    if (pos0 < 0) throw new Error(words().proxyNoReturn(proxy.ticker, day));
    var lo = design.window[0], hi = design.window[1];
    var estEnd = pos0 + lo - design.gap, estStart = estEnd - design.estimationLength;
    if (estStart < 0) {
      throw new Error(words().estimationTooEarly(stock.ticker, design.estimationLength, design.gap, both.dates[0], Math.max(estEnd, 0)));
    }
    if (pos0 + hi >= both.dates.length) throw new Error(words().windowAfterData(stock.ticker, both.dates[both.dates.length - 1]));
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
    if (t1 > t2) throw new Error(words().emptyWindow(t1, t2));
    var idx = [];
    ev.relDay.forEach(function (d, i) { if (d >= t1 && d <= t2) idx.push(i); });
    if (idx.length !== t2 - t1 + 1) {
      throw new Error(words().outsideWindow(t1, t2, ev.relDay[0], ev.relDay[ev.relDay.length - 1]));
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
        if (!r.ok) throw new Error(words().dataMissing(r.status));
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
        if (!info) throw new Error(words().unknownSeries(ticker));
        return fetch(self.root + "prices/" + encodeURIComponent(info.file)).then(function (r) {
          if (!r.ok) throw new Error(words().unreadable(ticker, r.status));
          return r.text();
        }).then(function (text) {
          var cols = parseCsv(text);
          return { ticker: ticker, name: words().seriesName(info), group: words().seriesGroup(info), market: info.market, dates: cols.Date,
            prices: cols[info.column] };
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
        paths.push({ ticker: s.ticker, rel_day: res.ev.relDay[i], date: res.ev.dates[i], date_label: words().date(res.ev.dates[i]),
          ar_pct: a * 100, car_pct: cum * 100 });
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
      .catch(function (e) { self.host.textContent = words().cannotStart + e.message; console.error(e); });
  };

  Widget.prototype.build = function (series) {
    var self = this, d = this.defaults, T = words();
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
      var o = el("option", { value: s.ticker, text: T.proxyOption(s, T.seriesName(s), T.market(s.market)) });
      if (s.ticker === d.proxy) o.selected = true;
      self.inputs.proxy.appendChild(o);
    });
    this.tickerBox = el("div", { class: "es-tickers" });
    var controls = el("div", { class: "es-controls" }, [
      field(T.fieldEventDay, this.inputs.eventDate),
      field(T.fieldEstimationLength, this.inputs.estimationLength),
      field(T.fieldGap, this.inputs.gap),
      field(T.fieldFrom, this.inputs.from),
      field(T.fieldTo, this.inputs.to),
      field(T.fieldProxy, this.inputs.proxy),
      field(T.fieldChartWindow, this.inputs.chartWindow)
    ]);
    this.status = el("p", { class: "es-status", role: "status" });
    this.errors = el("ul", { class: "es-errors" });
    this.carChart = el("div", { class: "es-chart es-car" });
    this.pathChart = el("div", { class: "es-chart es-path" });
    this.table = el("div", { class: "es-table" });
    this.host.appendChild(el("div", { class: "es-form" }, [controls, el("details", { class: "es-ticker-picker" },
      [el("summary", { text: T.stocks }), this.tickerBox])]));
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
    var self = this, market = this.proxyMarket(), T = words();
    this.tickerBox.textContent = "";
    var groups = {};
    this.series.forEach(function (s) {
      if (s.market !== market || s.index || s.ticker === self.inputs.proxy.value) return;
      var g = T.seriesGroup(s);
      (groups[g] = groups[g] || []).push(s);
    });
    Object.keys(groups).forEach(function (g) {
      var box = el("fieldset", {}, [el("legend", { text: g })]);
      groups[g].forEach(function (s) {
        var cb = el("input", { type: "checkbox", value: s.ticker });
        cb.checked = chosen.indexOf(s.ticker) >= 0;
        cb.addEventListener("change", function () { self.recompute(); });
        box.appendChild(el("label", { title: T.seriesName(s) }, [cb, document.createTextNode(" " + s.ticker)]));
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
    var T = words();
    try { checkDesign(design); } catch (e) { this.show({ rows: [], paths: [], errors: [{ ticker: T.designProblem, message: e.message }] }, 0, design); return Promise.resolve(); }
    if (!tickers.length) { this.show({ rows: [], paths: [], errors: [{ ticker: T.stocksProblem, message: T.chooseAStock }] }, 0, design); return Promise.resolve(); }
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
    var self = this, T = words();
    this.errors.textContent = "";
    res.errors.forEach(function (e) { self.errors.appendChild(el("li", { text: T.problem(e.ticker, e.message) })); });
    var n = new Set(res.rows.map(function (r) { return r.ticker; })).size;
    this.status.textContent = n ? T.status(n, this.inputs.proxy.value, res.estimation, design.estimationLength, ms.toFixed(1)) : T.nothingToShow;
    this.host.setAttribute("data-state", "ready");
    this.host.dispatchEvent(new CustomEvent("shockbook:eventstudy", { detail: { result: res, ms: ms } }));
    var w = this.inputs.chartWindow.value;
    var rows = res.rows.filter(function (r) { return r.window === w; }).map(function (r) {
      return { ticker: r.ticker, name: r.name, car: r.car * 100, se: r.se * 100, t: r.t, beta: r.beta, market_adjusted: r.market_adjusted * 100,
        lo: (r.car - 1.96 * r.se) * 100, hi: (r.car + 1.96 * r.se) * 100 };
    });
    this.drawTable(res.rows);
    if (typeof vegaEmbed === "undefined") { this.carChart.textContent = T.needsVega; return; }
    var config = { font: T.font || FONT, view: { stroke: null }, range: { category: PALETTE }, title: { anchor: "start", fontSize: 14, subtitleColor: "#555" },
      axis: { gridColor: "#e6e6e6", domainColor: "#888", tickColor: "#888" }, legend: { orient: "bottom" } };
    var tips = [{ field: "name", title: T.tipCompany }, { field: "car", title: T.tipCar, format: "+.2f", type: "quantitative" },
      { field: "se", title: T.tipSe, format: ".2f", type: "quantitative" }, { field: "t", title: "t", format: "+.2f", type: "quantitative" },
      { field: "market_adjusted", title: T.tipMarketAdjusted, format: "+.2f", type: "quantitative" }, { field: "beta", title: T.tipBeta, format: ".2f", type: "quantitative" }];
    var y = { field: "ticker", type: "nominal", sort: { field: "car", order: "ascending" }, title: null };
    var carSpec = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: config, data: { values: rows },
      title: { text: T.carTitle(w), subtitle: [T.carSubtitle] },
      width: 500, height: Math.max(15 * rows.length, 30),
      layer: [
        { mark: { type: "rule", strokeWidth: 2, color: "#999" }, encoding: { y: y, x: { field: "lo", type: "quantitative", title: T.carAxis(w) }, x2: { field: "hi" } } },
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
      title: { text: T.pathTitle, subtitle: [T.pathSubtitle(shown.length, chosen.length)] },
      width: 500, height: 280,
      params: [{ name: "pick", select: { type: "point", fields: ["ticker"] }, bind: "legend" }],
      mark: { type: "line", point: true },
      encoding: { x: { field: "rel_day", type: "quantitative", title: T.pathX, axis: { tickMinStep: 1 } },
        y: { field: "car_pct", type: "quantitative", title: T.pathY },
        color: { field: "ticker", type: "nominal", title: T.pathColor },
        opacity: { condition: { param: "pick", value: 1 }, value: 0.15 },
        tooltip: [T.tipTicker ? { field: "ticker", title: T.tipTicker } : { field: "ticker" }, { field: "date_label", title: T.tipDate },
          { field: "ar_pct", title: T.tipArDay, format: "+.2f", type: "quantitative" },
          { field: "car_pct", title: T.tipCumulative, format: "+.2f", type: "quantitative" }] } };
    var opts = { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" };
    if (T.embedI18n) opts.i18n = T.embedI18n;
    if (!rows.length) { this.carChart.textContent = ""; this.pathChart.textContent = ""; return; }
    // Like the book's own charts: the menu button gets a name, the drawing a text alternative.
    function named(el, what) {
      return function () {
        var menu = el.querySelector("details > summary");
        if (menu) { menu.setAttribute("aria-label", T.actionsLabel); }
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
    vegaEmbed(this.carChart, carSpec, opts).then(named(this.carChart, T.carDescription))
      .catch(function (e) { console.error(e); });
    vegaEmbed(this.pathChart, pathSpec, opts).then(named(this.pathChart, T.pathDescription))
      .catch(function (e) { console.error(e); });
  };

  Widget.prototype.drawTable = function (rows) {
    var T = words();
    this.table.textContent = "";
    if (!rows.length) return;
    var windows = [], byTicker = new Map();
    rows.forEach(function (r) {
      if (windows.indexOf(r.window) < 0) windows.push(r.window);
      if (!byTicker.has(r.ticker)) byTicker.set(r.ticker, { ticker: r.ticker, name: r.name, beta: r.beta });
      byTicker.get(r.ticker)[r.window] = r;
    });
    var head = [T.headTicker, T.headCompany, T.headBeta];
    windows.forEach(function (w) { head.push(T.headCar(w), T.headT(w)); });
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
    studyLoaded: studyLoaded, EventStudyData: EventStudyData, Widget: Widget, widgets: [], WORDS: WORDS, edition: edition };
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
