/* 民情地图 /heatmap — the case heatmap, fed only by GET /api/v1/heat (re-fetched on zoom and move),
 * with a month-by-month animation whose frames are cached, so a second play costs no request.
 * Staff: the case filters, and each frame asks for its month as from/to. The public (config.public): no
 * filters, only the fixed slices the API offers — the last 12 whole months, or one month (month=YYYY-MM).
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var map = MQ.map;
  if (!map) return;
  var config = MQ.config;
  var layer = window[(config.layers || {}).heat];
  if (!layer) return;
  var FRAME_MS = 1100;
  var $ = function (id) { return document.getElementById(id); };
  var heat = new MQ.HeatView(map, layer, { community: config.public ? null : config.community });
  var state = { month: null, playing: false, timer: null, months: [] };
  var slider = $("mq-month");
  var playButton = $("mq-play");

  MQ.sidePanel(map);
  var form = $("mq-filters");
  var filters = form ? new MQ.Filters(form, function () {
    setMonths();
    refresh();
  }) : null;
  var ALL_LABEL = config.public ? "最近12个月" : "全部时间";

  function filterValues() {
    return filters ? filters.values() : {};
  }

  /* ------------------------------------------------------------- months */

  function monthLabel(month) {
    var parts = month.split("-");
    return parts[0] + "年" + Number(parts[1]) + "月";
  }

  function lastDay(month) {
    var parts = month.split("-").map(Number);
    var day = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();
    return month + "-" + String(day).padStart(2, "0");
  }

  /** The months the animation runs over: those with cases, inside the filters' date range. */
  function setMonths() {
    var values = filterValues();
    var first = values.from ? values.from.slice(0, 7) : null;
    var last = values.to ? values.to.slice(0, 7) : null;
    state.months = (config.months || []).filter(function (m) {
      return (!first || m >= first) && (!last || m <= last);
    });
    slider.max = String(Math.max(0, state.months.length - 1));
    slider.disabled = playButton.disabled = state.months.length === 0;
    if (state.month !== null && state.month >= state.months.length) state.month = null;
    if (state.month !== null) slider.value = String(state.month);
    showLabel();
  }

  function showLabel() {
    var label = $("mq-month-label");
    label.textContent = state.month === null ? ALL_LABEL : monthLabel(state.months[state.month]);
    document.body.classList.toggle("mq-month-mode", state.month !== null);
  }

  /** The query of a frame: a month (clipped to the filters' dates), or the filters as they are. */
  function frameFilters(index) {
    var values = filterValues();
    if (index === null || index === undefined) return values;
    var month = state.months[index];
    if (config.public) return { month: month };
    var from = month + "-01", to = lastDay(month);
    if (values.from && values.from > from) from = values.from;
    if (values.to && values.to < to) to = values.to;
    return Object.assign({}, values, { from: from, to: to });
  }

  /* ------------------------------------------------------------ drawing */

  async function refresh() {
    var result = await heat.load(frameFilters(state.month));
    if (result.stale) return result;
    var count = $("mq-heat-count");
    if (!result.ok) {
      MQ.show(count, "加载热力失败：" + result.message);
      return result;
    }
    var when = state.month === null ? (config.public ? "最近12个完整月，" : "") : monthLabel(state.months[state.month]) + "，";
    MQ.show(count, when + "当前视图内 " + result.total + " 件民情，" + result.cells + " 个网格（每格约 " +
      Math.round(result.cell_m) + " 米）" + (config.public ? "；少于 " + config.min_count + " 件的网格不显示" : ""));
    var hidden = $("mq-heat-hidden");
    if (hidden) {
      /* Said from what the answer shows, never from what it hides (that would locate the small cells). */
      MQ.show(hidden, result.cells === 0 ? "此视图内没有达到 " + config.min_count + " 件民情的网格，" +
        "少于 " + config.min_count + " 件的网格为保护隐私不显示；可缩小地图或换一个月份。" : "");
    }
    document.body.dataset.heatTotal = String(result.total);
    return result;
  }

  map.on("moveend", function () { refresh(); });

  /* ---------------------------------------------------------- animation */

  function setPlaying(on) {
    state.playing = on;
    playButton.textContent = on ? "❚❚ 暂停" : "▶ 播放";
    playButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (!on && state.timer) {
      window.clearTimeout(state.timer);
      state.timer = null;
    }
  }

  async function showMonth(index) {
    state.month = index;
    slider.value = String(index);
    showLabel();
    var result = await refresh();
    if (state.playing && index + 1 < state.months.length) heat.prefetch(frameFilters(index + 1));
    return result;
  }

  async function step() {
    if (!state.playing) return;
    var next = state.month === null ? 0 : state.month + 1;
    if (next >= state.months.length) {
      setPlaying(false);
      return;
    }
    await showMonth(next);
    if (state.playing) state.timer = window.setTimeout(step, FRAME_MS);
  }

  playButton.addEventListener("click", function () {
    if (state.playing) {
      setPlaying(false);
      return;
    }
    if (state.month !== null && state.month >= state.months.length - 1) state.month = null; /* from the start again */
    setPlaying(true);
    step();
  });

  slider.addEventListener("input", function () {
    setPlaying(false);
    showMonth(Number(slider.value));
  });

  $("mq-all-time").addEventListener("click", function () {
    setPlaying(false);
    state.month = null;
    showLabel();
    refresh();
  });

  MQ.heatmap = { view: heat, refresh: refresh, state: state, filters: filters, frameFilters: frameFilters };
  setMonths();
  refresh();
})();
