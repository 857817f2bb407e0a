/* growattweb — charts (uPlot) for the plant, device and kiosk pages.
 *
 * Every element with data-chart-url gets a chart drawn from that JSON (plants.charts:
 * day_series, month_series, year_series, device_day_series). Axes are labelled in the
 * plant's timezone (data-timezone), x values are UTC epoch seconds. data-chart-refresh="300"
 * re-fetches every 300 s while the tab is visible (today's curve); nothing runs in a hidden tab.
 */
(function () {
  "use strict";

  if (typeof window.uPlot === "undefined") return;
  var uPlot = window.uPlot;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function alpha(hex, a) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) return hex;
    return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + a + ")";
  }

  var COLORS = {
    pv: cssVar("--pv", "#f5a623"),
    load: cssVar("--load", "#3b82f6"),
    grid: cssVar("--grid", "#6b7280"),
    "import": cssVar("--grid", "#6b7280"),
    battery: cssVar("--battery", "#16a34a"),
    soc: cssVar("--battery", "#16a34a"),
    "export": cssVar("--export", "#8b5cf6"),
    power: cssVar("--pv", "#f5a623")
  };
  var AXIS = {stroke: cssVar("--muted", "#5f6b78"), grid: {stroke: "rgba(0,0,0,0.07)", width: 1},
              ticks: {stroke: "rgba(0,0,0,0.12)", width: 1}};

  function fmtPower(w) {
    if (w === null || w === undefined) return "–";
    var m = Math.abs(w);
    var sign = w < 0 ? "−" : "";
    if (m < 1000) return sign + m.toFixed(0) + " W";
    if (m < 10000) return sign + (m / 1000).toFixed(2) + " kW";
    return sign + (m / 1000).toFixed(1) + " kW";
  }

  function fmtAxisPower(w) {
    var m = Math.abs(w);
    var sign = w < 0 ? "−" : "";
    if (m >= 1000) return sign + +(m / 1000).toFixed(1) + " kW";
    return sign + m.toFixed(0) + " W";
  }

  function fmtEnergy(kwh) {
    if (kwh === null || kwh === undefined) return "–";
    return (Math.abs(kwh) >= 100 ? kwh.toFixed(0) : kwh.toFixed(1)) + " kWh";
  }

  // Axis width from its longest label (uPlot's own size is fixed), so "250 kWh" is never clipped.
  function axisSize(u, values, axisIdx, cycleNum) {
    var axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    var size = axis.ticks.size + axis.gap + 6;
    var longest = (values || []).reduce(function (a, v) { return String(v).length > a.length ? String(v) : a; }, "");
    if (longest) {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / (window.devicePixelRatio || 1);
    }
    return Math.ceil(size);
  }

  // With the cursor outside the plot the legend shows the newest values instead of dashes.
  function latestIndex(data) {
    for (var i = data.x.length - 1; i >= 0; i--) {
      for (var s = 0; s < data.series.length; s++) {
        if (data.series[s].values[i] !== null && data.series[s].values[i] !== undefined) return i;
      }
    }
    return null;
  }

  function legendHook(data) {
    var last = latestIndex(data);
    return function (u) {
      if (u.legend.idx === null || u.legend.idx === undefined) {
        if (last !== null) u.setLegend({idx: last}, false);
      }
    };
  }

  function chartHeight(width) {
    return width < 520 ? 230 : 320;
  }

  function baseOptions(el, data) {
    var tz = data.timezone || "UTC";
    var width = Math.max(el.clientWidth, 240);
    return {
      width: width,
      height: chartHeight(width),
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), tz); },
      cursor: {drag: {x: false, y: false}, points: {size: 7}},
      legend: {live: true},
      padding: [12, 8, 0, 4],
      hooks: {ready: [legendHook(data)], setLegend: [legendHook(data)]}
    };
  }

  function dayOptions(el, data) {
    var opts = baseOptions(el, data);
    var hhmm = uPlot.fmtDate("{HH}:{mm}");
    var hasRight = false;
    var series = [{
      label: "Time",
      value: function (u, ts) { return ts === null || ts === undefined ? "–" : hhmm(opts.tzDate(ts)); }
    }];
    data.series.forEach(function (s) {
      var color = COLORS[s.key] || "#333";
      var percent = s.unit === "%";
      if (percent) hasRight = true;
      series.push({
        label: s.label,
        scale: percent ? "%" : "W",
        stroke: color,
        width: s.key === "pv" || s.key === "power" ? 2 : 1.6,
        fill: s.key === "pv" || s.key === "power" ? alpha(color, 0.16) : undefined,
        dash: percent ? [5, 4] : undefined,
        show: !s.hidden,
        spanGaps: false,
        points: {show: false},
        value: function (u, v) {
          if (v === null || v === undefined) return "–";
          return percent ? v.toFixed(0) + " %" : fmtPower(v);
        }
      });
    });
    opts.series = series;
    opts.scales = {
      x: {time: true, range: function () { return [data.start, data.end]; }},
      W: {auto: true, range: function (u, min, max) {
        var lo = Math.min(min === null ? 0 : min, 0);
        var hi = Math.max(max === null ? 1000 : max, 500);
        return uPlot.rangeNum(lo, hi, 0.1, true);
      }},
      "%": {auto: false, range: [0, 100]}
    };
    opts.axes = [
      Object.assign({}, AXIS, {
        space: 56,
        incrs: [3600, 7200, 10800, 21600, 43200],
        values: function (u, splits) { return splits.map(function (ts) { return hhmm(opts.tzDate(ts)); }); }
      }),
      Object.assign({}, AXIS, {scale: "W", size: axisSize,
        values: function (u, splits) { return splits.map(fmtAxisPower); }})
    ];
    if (hasRight) {
      opts.axes.push(Object.assign({}, AXIS, {scale: "%", side: 1, size: axisSize, grid: {show: false},
        values: function (u, splits) { return splits.map(function (v) { return v + " %"; }); }}));
    }
    return [opts, [data.x].concat(data.series.map(function (s) { return s.values; }))];
  }

  function barOptions(el, data) {
    var opts = baseOptions(el, data);
    var step = data.x.length > 1 ? data.x[1] - data.x[0] : 86400;
    var fullLabel = function (i) {
      if (i === null || i === undefined || i < 0) return "–";
      return data.labels[i] + " " + data.title;
    };
    var bars = uPlot.paths.bars;
    var series = [{label: data.kind === "month" ? "Day" : "Month",
                   value: function (u, v, si, i) { return fullLabel(i); }}];
    data.series.forEach(function (s) {
      var color = COLORS[s.key] || "#333";
      var isBar = s.key === "pv" || s.key === "load";
      series.push({
        label: s.label + " (kWh)",
        stroke: color,
        width: isBar ? 0 : 2,
        fill: isBar ? alpha(color, s.key === "pv" ? 0.85 : 0.7) : undefined,
        paths: isBar ? bars({size: [0.38, 28], align: s.key === "pv" ? -1 : 1}) : undefined,
        points: {show: !isBar, size: 5},
        show: !s.hidden,
        value: function (u, v) { return fmtEnergy(v); }
      });
    });
    opts.series = series;
    opts.scales = {
      x: {time: true, range: function () { return [data.x[0] - step * 0.6, data.x[data.x.length - 1] + step * 0.6]; }},
      y: {auto: true, range: function (u, min, max) { return [0, Math.max(max || 0, 1) * 1.08]; }}
    };
    opts.axes = [
      Object.assign({}, AXIS, {
        splits: function () { return data.x; },
        values: function (u) {
          var room = u.bbox.width / (window.devicePixelRatio || 1) / data.x.length;
          var every = room >= 26 ? 1 : room >= 13 ? 2 : room >= 7 ? 5 : 7;
          return data.labels.map(function (label, i) {
            return (i % every === 0 || (data.kind === "month" && every > 2 && i === data.labels.length - 1)) ? label : "";
          });
        },
        grid: {show: false}
      }),
      Object.assign({}, AXIS, {size: axisSize, values: function (u, splits) {
        return splits.map(function (v) { return +v.toFixed(1) + " kWh"; });
      }})
    ];
    return [opts, [data.x].concat(data.series.map(function (s) { return s.values; }))];
  }

  function setStatus(el, text) {
    var status = el.querySelector("[data-chart-status]");
    if (!status) {
      status = document.createElement("p");
      status.className = "chart-status muted small";
      status.setAttribute("data-chart-status", "");
      el.appendChild(status);
    }
    status.textContent = text;
    status.hidden = !text;
  }

  function Chart(el) {
    this.el = el;
    this.plot = null;
    this.timer = null;
    this.refreshSeconds = parseInt(el.getAttribute("data-chart-refresh") || "0", 10);
  }

  Chart.prototype.load = function () {
    var self = this;
    var url = this.el.getAttribute("data-chart-url");
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.error || ("the server answered " + response.status));
          return body;
        });
      })
      .then(function (data) { self.draw(data); })
      .catch(function (error) {
        if (!self.plot) setStatus(self.el, "Could not load the chart: " + error.message);
        self.el.setAttribute("data-chart-state", "error");
      });
  };

  Chart.prototype.draw = function (data) {
    this.el.setAttribute("data-chart-points", String(data.x ? data.x.length : 0));
    if (data.empty) {
      if (this.plot) { this.plot.destroy(); this.plot = null; }
      setStatus(this.el, data.kind === "day" ? "No values recorded for this day yet." :
                         "No energy recorded for " + data.title + ".");
      this.el.setAttribute("data-chart-state", "empty");
      return;
    }
    var built = data.kind === "day" ? dayOptions(this.el, data) : barOptions(this.el, data);
    setStatus(this.el, "");
    // A refresh redraws from scratch: the options hold this data's ranges and legend hooks.
    if (this.plot) this.plot.destroy();
    this.plot = new uPlot(built[0], built[1], this.el);
    this.el.setAttribute("data-chart-state", "ready");
  };

  Chart.prototype.resize = function () {
    if (!this.plot) return;
    var width = Math.max(this.el.clientWidth, 240);
    if (Math.abs(width - this.plot.width) > 2) this.plot.setSize({width: width, height: chartHeight(width)});
  };

  Chart.prototype.startRefresh = function () {
    var self = this;
    this.stopRefresh();
    if (this.refreshSeconds >= 30) {
      this.timer = window.setInterval(function () { self.load(); }, this.refreshSeconds * 1000);
    }
  };

  Chart.prototype.stopRefresh = function () {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  };

  var charts = Array.prototype.map.call(document.querySelectorAll("[data-chart-url]"), function (el) {
    var chart = new Chart(el);
    setStatus(el, "Loading the chart…");
    chart.load();
    if (document.visibilityState === "visible") chart.startRefresh();
    return chart;
  });
  if (!charts.length) return;

  if (typeof ResizeObserver !== "undefined") {
    var pending = null;
    var observer = new ResizeObserver(function () {
      if (pending) window.cancelAnimationFrame(pending);
      pending = window.requestAnimationFrame(function () { charts.forEach(function (c) { c.resize(); }); });
    });
    charts.forEach(function (c) { observer.observe(c.el); });
  }

  document.addEventListener("visibilitychange", function () {
    charts.forEach(function (chart) {
      if (!chart.refreshSeconds) return;
      if (document.visibilityState === "visible") {
        chart.load();
        chart.startRefresh();
      } else {
        chart.stopRefresh();
      }
    });
  });
})();
