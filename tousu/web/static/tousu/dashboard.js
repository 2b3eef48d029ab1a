/* The dashboard's charts (数据看板), drawn by the vendored ECharts from the figures the page carries
   as JSON (#dash-data, written by json_script: the Content-Security-Policy forbids inline script).
   Every text comes from the server, translated there. Clicking a bar, a point or a column opens
   its ledger: each row of the data holds its own link. */
(function () {
  "use strict";

  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif';
  var RED = "#c62828", ORANGE = "#e08a00", BLUE = "#1d5fb8", GREY = "#9aa5b1", GREEN = "#1f7a3f";

  function go(href) {
    if (href) { window.location.assign(href); }
  }

  /* The first ``n`` rows, largest first, bottom-up for a horizontal bar chart (ECharts draws the
     first category at the bottom). */
  function topRows(rows, n) {
    return rows.slice(0, n).reverse();
  }

  function base() {
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      // Drawn on the canvas, not as HTML: ECharts' HTML tooltip carries inline styles the CSP refuses.
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 28, top: 36, bottom: 8, containLabel: true }
    };
  }

  function categoryLabel(width) {
    return { interval: 0, width: width, overflow: "truncate", hideOverlap: false };
  }

  var CHARTS = {
    trend: function (d) {
      var rows = d.rows, o = base();
      o.tooltip.axisPointer = { type: "line" };
      o.xAxis = { type: "category", data: rows.map(function (r) { return r.label; }), boundaryGap: false,
                  axisLabel: { hideOverlap: true } };
      o.yAxis = { type: "value", minInterval: 1 };
      o.series = [{ name: d.names.current, type: "line", data: rows.map(function (r) { return r.current; }),
                    symbolSize: 7, showAllSymbol: true, itemStyle: { color: BLUE }, areaStyle: { opacity: 0.08 } }];
      if (d.has_last) {
        o.series.push({ name: d.names.last, type: "line", data: rows.map(function (r) { return r.last; }),
                        symbolSize: 5, itemStyle: { color: GREY }, lineStyle: { type: "dashed" } });
      }
      return { option: o, link: function (p) { return rows[p.dataIndex].href; }, axis: "x", rows: rows };
    },

    pareto: function (d) {
      var rows = d.rows, o = base();
      o.xAxis = { type: "category", data: rows.map(function (r) { return r.label; }),
                  axisLabel: Object.assign(categoryLabel(72), { rotate: rows.length > 5 ? 30 : 0 }) };
      o.yAxis = [{ type: "value", minInterval: 1 },
                 { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }];
      o.series = [
        { name: d.names.count, type: "bar", data: rows.map(function (r) { return r.count; }), itemStyle: { color: BLUE },
          barMaxWidth: 36 },
        { name: d.names.cumulative, type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.cumulative; }),
          symbolSize: 7, itemStyle: { color: ORANGE } }
      ];
      return { option: o, link: function (p) { return rows[p.dataIndex].href; }, axis: "x", rows: rows };
    },

    units: function (d) {
      var rows = topRows(d.rows, d.top), o = base();
      o.grid.top = 44;
      o.yAxis = { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: categoryLabel(110) };
      o.xAxis = [{ type: "value", minInterval: 1, position: "bottom" },
                 { type: "value", min: 0, max: 100, position: "top", axisLabel: { formatter: "{value}%" },
                   splitLine: { show: false } }];
      o.series = [
        { name: d.names.received, type: "bar", data: rows.map(function (r) { return r.received; }),
          itemStyle: { color: BLUE }, barMaxWidth: 22, label: { show: true, position: "right" } },
        { name: d.names.on_time, type: "scatter", xAxisIndex: 1, symbol: "diamond", symbolSize: 11,
          data: rows.map(function (r) { return r.on_time; }), itemStyle: { color: GREEN } }
      ];
      return { option: o, link: function (p) { return rows[p.dataIndex].href; }, axis: "y", rows: rows };
    },

    open: function (d) {
      var rows = topRows(d.rows, d.top), o = base();
      o.yAxis = { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: categoryLabel(110) };
      o.xAxis = { type: "value", minInterval: 1 };
      o.series = [
        { name: d.names.overdue, type: "bar", stack: "open", data: rows.map(function (r) { return r.overdue; }),
          itemStyle: { color: RED }, barMaxWidth: 22 },
        { name: d.names.due_soon, type: "bar", stack: "open", data: rows.map(function (r) { return r.due_soon; }),
          itemStyle: { color: ORANGE }, barMaxWidth: 22 }
      ];
      return {
        option: o,
        link: function (p) {
          var r = rows[p.dataIndex];
          return p.seriesIndex === 0 ? r.overdue_href : r.due_soon_href;
        },
        axis: "y",
        // A click beside the bars: the overdue cases, or the due-soon ones where none is overdue.
        column: function (r) { return r.overdue ? r.overdue_href : r.due_soon_href; },
        rows: rows
      };
    },

    gatherings: function (d) {
      var rows = topRows(d.rows, d.top), o = base();
      o.yAxis = { type: "category", data: rows.map(function (r) { return r.title; }), axisLabel: categoryLabel(150) };
      o.xAxis = { type: "value", minInterval: 1 };
      // One series per kind (group events red, hot issues orange), stacked: each row has one bar.
      o.series = [["group", RED], ["hot", ORANGE]].map(function (kind) {
        return {
          name: d.names[kind[0]], type: "bar", stack: "people", barMaxWidth: 22, itemStyle: { color: kind[1] },
          label: { show: true, position: "right", formatter: function (p) { return p.value ? p.value : ""; } },
          data: rows.map(function (r) { return r.kind === kind[0] ? r.people : 0; })
        };
      });
      return { option: o, link: function (p) { return rows[p.dataIndex].href; }, axis: "y", rows: rows };
    }
  };

  /* A click on a bar or a point opens its ledger; so does a click anywhere else in its column (its
     row, for horizontal bars), so a low bar or a thin line is as easy to hit as a tall one. */
  function clicks(chart, spec) {
    var taken = false;
    chart.on("click", function (p) { taken = true; go(spec.link(p)); });
    chart.getZr().on("click", function (e) {
      var at = [e.offsetX, e.offsetY];
      // After ECharts' own handlers, whichever order they run in: a click on a bar or a point
      // has been taken by the series' handler above.
      window.setTimeout(function () {
        if (taken) { taken = false; return; }
        if (!chart.containPixel({ gridIndex: 0 }, at)) { return; }
        var value = chart.convertFromPixel({ gridIndex: 0 }, at);
        var row = spec.rows[Math.round(spec.axis === "x" ? value[0] : value[1])];
        if (row) { go(spec.column ? spec.column(row) : row.href); }
      }, 0);
    });
  }

  function draw() {
    var node = document.getElementById("dash-data");
    if (!node || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    var drawn = {};
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.getAttribute("data-chart");
      var spec = CHARTS[name](data[name]);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(spec.option);
      clicks(chart, spec);
      el.classList.add("chart-ready");
      drawn[name] = chart;
    });
    window.tousuCharts = drawn;
    function resize() { Object.keys(drawn).forEach(function (k) { drawn[k].resize(); }); }
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
