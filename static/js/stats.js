/* 民情地图 /stats — KPI charts (ECharts, served from /static/vendor) by month, channel, category and
 * assignee from GET /api/v1/stats?by=…, the overall KPIs, CSV links, and the overdue list.
 * Names reach charts as data (canvas text); tooltips are built here with every name escaped.
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var config = MQ.config;
  var echarts = window.echarts;
  var $ = function (id) { return document.getElementById(id); };
  var GROUPS = ["month", "channel", "category", "assignee"];
  var COLUMNS = config.columns || {}; /* column code → its Chinese name (services/kpis.COLUMN_LABELS) */
  var RATES = Object.keys(COLUMNS).filter(function (code) { return /_rate$/.test(code); }).map(function (code) {
    return [code, COLUMNS[code]];
  });
  var COLORS = ["#b71c1c", "#ef9a9a", "#1565c0", "#2e7d32", "#f9a825", "#6a1b9a"];
  var OVERDUE_PAGE = 50;
  var charts = {};
  var overdue = { offset: 0, total: 0, cursor: null };

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"'`$\\]/g, function (ch) {
      return "&#" + ch.charCodeAt(0) + ";";
    });
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function pct(rate) {
    return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10;
  }

  function casePage(code) {
    return (config.case_page || "/cases/CODE").replace("CODE", encodeURIComponent(code));
  }

  var filters = new MQ.Filters($("mq-stats-filter"), function () { loadStats(); });

  function statsUrl(by, extra) {
    var params = filters.params(Object.assign({ by: by, community: config.community }, extra || {}));
    return MQ.api("/stats?" + params.toString());
  }

  /* ------------------------------------------------------------- charts */

  function tooltip(params) {
    var list = Array.isArray(params) ? params : [params];
    var head = list.length ? escapeHtml(list[0].axisValueLabel || list[0].name) : "";
    return head + list.map(function (p) {
      var isRate = p.seriesIndex >= 2;
      var value = p.value === null || p.value === undefined || p.value === "-" ? "—" : p.value + (isRate ? "%" : " 件");
      return "<br>" + p.marker + escapeHtml(p.seriesName) + "：" + escapeHtml(value);
    }).join("");
  }

  function comboOption(by, rows) {
    var labels = rows.map(function (r) { return by === "month" ? r.key : r.label; });
    var series = [
      { name: COLUMNS.received, type: "bar", data: rows.map(function (r) { return r.received; }), barMaxWidth: 18 },
      { name: COLUMNS.resolved, type: "bar", data: rows.map(function (r) { return r.resolved; }), barMaxWidth: 18 },
    ].concat(RATES.map(function (rate) {
      return { name: rate[1], type: "line", yAxisIndex: 1, symbolSize: 5, connectNulls: false,
        data: rows.map(function (r) { return pct(r[rate[0]]); }) };
    }));
    return {
      color: COLORS,
      aria: { enabled: true },
      animation: false,
      tooltip: { trigger: "axis", confine: true, formatter: tooltip },
      legend: { top: 0, type: "scroll", textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 8, top: 36, bottom: by === "month" ? 48 : 8, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: by === "month" ? "auto" : 0, rotate: by === "month" ? 0 : 30,
        fontSize: 11 } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
      ],
      dataZoom: by === "month" ? [{ type: "slider", height: 18, bottom: 4 }, { type: "inside" }] : [],
      series: series,
    };
  }

  function assigneeOption(rows) {
    var sorted = rows.slice().sort(function (a, b) { return b.received - a.received; });
    var labels = sorted.map(function (r) { return r.label; }).reverse();
    var shown = Math.min(12, sorted.length);
    return {
      color: COLORS,
      aria: { enabled: true },
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, formatter: function (params) {
        var row = sorted[sorted.length - 1 - params[0].dataIndex];
        return tooltip(params) + "<br>办结率：" + escapeHtml(percent(row.resolution_rate)) + "<br>按期办结率：" +
          escapeHtml(percent(row.on_time_rate));
      } },
      legend: { top: 0 },
      grid: { left: 8, right: 36, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels, axisLabel: { fontSize: 11, width: 120, overflow: "truncate" } },
      dataZoom: sorted.length > shown ? [{ type: "slider", yAxisIndex: 0, width: 14, right: 4,
        startValue: labels.length - shown, endValue: labels.length - 1 }, { type: "inside", yAxisIndex: 0 }] : [],
      series: [
        { name: COLUMNS.received, type: "bar", data: sorted.map(function (r) { return r.received; }).reverse(), barMaxWidth: 12 },
        { name: COLUMNS.resolved, type: "bar", data: sorted.map(function (r) { return r.resolved; }).reverse(), barMaxWidth: 12 },
      ],
    };
  }

  function dataTable(by, rows) {
    var head = Object.keys(COLUMNS).filter(function (code) { return code !== "label"; })
      .map(function (code) { return COLUMNS[code]; });
    return MQ.el("table", { class: "mq-table" },
      MQ.el("thead", null, MQ.el("tr", null, head.map(function (h) { return MQ.el("th", null, h); }))),
      MQ.el("tbody", null, rows.map(function (r) {
        return MQ.el("tr", { dataset: { key: String(r.key) } },
          MQ.el("td", null, by === "month" ? r.key : r.label), MQ.el("td", null, String(r.received)),
          MQ.el("td", null, String(r.resolved)), MQ.el("td", null, String(r.in_progress)),
          RATES.map(function (rate) { return MQ.el("td", null, percent(r[rate[0]])); }),
          MQ.el("td", null, r.mean_hours_to_resolve === null ? "—" : String(r.mean_hours_to_resolve)));
      })));
  }

  function chartFor(by) {
    if (!charts[by]) charts[by] = echarts.init($("mq-chart-" + by), null, { renderer: "canvas" });
    return charts[by];
  }

  async function loadGroup(by) {
    var card = document.querySelector('.mq-chart-card[data-by="' + by + '"]');
    card.querySelector(".mq-csv").href = statsUrl(by, { format: "csv" });
    card.querySelector(".mq-xlsx").href = statsUrl(by, { format: "xlsx" });
    var res = await MQ.fetchJSON(statsUrl(by));
    var tableBox = card.querySelector('[data-role="table"]');
    tableBox.textContent = "";
    if (!res.ok) {
      MQ.append(tableBox, MQ.el("p", { class: "mq-error" }, MQ.errorMessage(res)));
      return;
    }
    var rows = res.body.rows;
    var chart = chartFor(by);
    chart.clear();
    if (!rows.length) {
      chart.setOption({ title: { text: "此时间段没有民情", left: "center", top: "middle", textStyle: { color: "#999", fontSize: 14 } } });
    } else {
      chart.setOption(by === "assignee" ? assigneeOption(rows) : comboOption(by, rows));
    }
    MQ.append(tableBox, dataTable(by, rows));
    card.dataset.loaded = "true";
  }

  /* --------------------------------------------------------------- KPIs */

  async function loadKpis() {
    var box = $("mq-kpis");
    var res = await MQ.fetchJSON(statsUrl("community"));
    box.textContent = "";
    if (!res.ok) {
      MQ.append(box, MQ.el("p", { class: "mq-error" }, MQ.errorMessage(res)));
      return;
    }
    var row = res.body.rows[0] || { received: 0, resolved: 0, in_progress: 0 };
    var cards = [
      [COLUMNS.received, String(row.received), "件"], [COLUMNS.resolved, String(row.resolved), "件"],
      [COLUMNS.in_progress, String(row.in_progress), "件"],
    ].concat(RATES.map(function (rate) { return [rate[1], percent(row[rate[0]]), ""]; }))
      .concat([[COLUMNS.mean_hours_to_resolve, row.mean_hours_to_resolve === null ||
        row.mean_hours_to_resolve === undefined ? "—" : String(row.mean_hours_to_resolve), ""]]);
    MQ.append(box, cards.map(function (c) {
      return MQ.el("div", { class: "mq-kpi" }, MQ.el("span", { class: "mq-kpi-label" }, c[0]),
        MQ.el("b", { class: "mq-kpi-value" }, c[1]), c[2] ? MQ.el("small", null, c[2]) : null);
    }));
  }

  function loadStats() {
    loadKpis();
    return Promise.all(GROUPS.map(loadGroup));
  }

  /* ------------------------------------------------------------- overdue */

  function overdueRow(c) {
    var kind = c.overdue_label;
    var due = c.overdue === "response" ? c.response_due_at : c.resolve_due_at;
    var a = c.assignee || {};
    return MQ.el("tr", { dataset: { code: c.code } },
      MQ.el("td", null, MQ.el("a", { href: casePage(c.code) }, c.code)),
      MQ.el("td", { class: "mq-cell-title", "data-role": "title" }, c.title),
      MQ.el("td", null, c.status_label || c.status),
      MQ.el("td", null, a.name ? a.role_label + " " + a.name : a.role_label),
      MQ.el("td", { class: "mq-error" }, kind),
      MQ.el("td", null, MQ.formatTime(due)));
  }

  async function loadOverdue(more) {
    var section = $("mq-overdue");
    var part = function (role) { return section.querySelector('[data-role="' + role + '"]'); };
    if (!more) {
      overdue.offset = 0;
      overdue.cursor = null;
      part("rows").textContent = "";
    }
    /* keyset pages: the next page starts after the last case shown (next_cursor), however deep */
    var params = new URLSearchParams({ overdue: "1", community: config.community, limit: OVERDUE_PAGE });
    if (overdue.cursor) params.set("cursor", overdue.cursor);
    var res = await MQ.fetchJSON(MQ.api("/cases?" + params.toString()));
    if (!res.ok) {
      MQ.show(part("status"), MQ.errorMessage(res));
      return;
    }
    overdue.total = res.body.total;
    overdue.offset += res.body.cases.length;
    overdue.cursor = res.body.next_cursor;
    MQ.append(part("rows"), res.body.cases.map(overdueRow));
    part("total").textContent = "（" + (res.body.count_is_estimate ? "约 " : "") + overdue.total + " 件）";
    MQ.show(part("status"), overdue.total === 0 ? "没有超时未办的民情。" : "");
    part("more").hidden = !overdue.cursor;
    section.dataset.loaded = "true";
  }

  $("mq-overdue").querySelector('[data-role="more"]').addEventListener("click", function () { loadOverdue(true); });

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (by) { charts[by].resize(); });
  });

  if (!echarts) {
    MQ.show(document.querySelector('#mq-stats-filter [data-role="filter-error"]'), "图表组件未能加载（/static/vendor/echarts）。");
  } else {
    loadStats();
  }
  loadOverdue(false);
  MQ.stats = { charts: charts, reload: loadStats };
})();
