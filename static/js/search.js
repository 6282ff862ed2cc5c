/* 民情地图: the search box on a map page (/map, /sites). Two characters are enough (红宫, 明珠); a case number
 * in any case. GET /api/v1/search answers what the viewer may see; choosing a result pans the map to it and
 * outlines it. A case result on /map also offers its page. Text goes into the page with textContent only.
 */
(function () {
  "use strict";

  var MQ = window.MQ || {};
  var map = MQ.map;
  if (!map || !window.L) return;
  var DELAY_MS = 250;
  var HIGHLIGHT = { color: "#d4380d", weight: 4, dashArray: "6 4", fill: false, interactive: false };
  var highlight = null;
  var timer = null;
  var asked = 0;

  var input = MQ.el("input", { type: "search", id: "mq-search-input", class: "mq-search-input", placeholder: "搜索楼栋、地址、阵地或民情编号",
    "aria-label": "搜索", autocomplete: "off", maxlength: "50", role: "combobox", "aria-controls": "mq-search-results",
    "aria-expanded": "false" });
  var list = MQ.el("ul", { id: "mq-search-results", class: "mq-search-results", role: "listbox", hidden: true });
  var status = MQ.el("p", { class: "mq-search-status", role: "status", hidden: true });
  var box = MQ.el("div", { class: "mq-search leaflet-bar", id: "mq-search" },
    MQ.el("form", { role: "search", onsubmit: function (event) { event.preventDefault(); run(true); } }, input), status, list);

  var Search = L.Control.extend({
    onAdd: function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });
  new Search({ position: "topleft" }).addTo(map);

  function clear() {
    list.replaceChildren();
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function target(result) {
    var point = MQ.toDisplay(result.lat, result.lon);
    if (!result.bbox) return { point: point, bounds: null };
    var b = result.bbox;
    var bounds = L.latLngBounds(MQ.toDisplay(b[1], b[0]), MQ.toDisplay(b[3], b[2]));
    return { point: point, bounds: bounds };
  }

  function popupBody(result) {
    var body = MQ.el("div", { class: "mq-search-popup" },
      MQ.el("b", {}, result.name), " ", MQ.el("small", { class: "mq-kind" }, result.kind_label),
      result.detail ? MQ.el("div", {}, result.detail) : null);
    if (result.code && MQ.config.case_page) {
      body.appendChild(MQ.el("a", { href: MQ.config.case_page.replace("CODE", encodeURIComponent(result.code)) }, "查看民情详情"));
    }
    return body;
  }

  /** Pan to a result and outline it (its bounding box, or a ring round a point). */
  function show(result) {
    if (result.lat === null || result.lat === undefined) return;
    var spot = target(result);
    if (highlight) map.removeLayer(highlight);
    var small = !spot.bounds || spot.bounds.getNorthEast().distanceTo(spot.bounds.getSouthWest()) < 1;
    highlight = small ? L.circle(spot.point, Object.assign({ radius: 25 }, HIGHLIGHT))
                      : L.rectangle(spot.bounds.pad(0.15), HIGHLIGHT);
    highlight.addTo(map);
    if (small) map.setView(spot.point, Math.max(map.getZoom(), 18));
    else map.fitBounds(spot.bounds.pad(0.5), { maxZoom: 19 });
    L.popup({ autoPan: false, className: "mq-search-found" }).setLatLng(spot.point).setContent(popupBody(result)).openOn(map);
    box.dataset.shown = result.kind + ":" + (result.code || result.id);
    clear();
  }

  function option(result, index) {
    return MQ.el("li", { role: "option", id: "mq-search-option-" + index, tabindex: "-1", class: "mq-search-option",
      dataset: { kind: result.kind }, onclick: function (event) {
        /* The list is emptied by show(): stop the click here, or the map would take it for a click on itself. */
        L.DomEvent.stop(event);
        show(result);
      } },
      MQ.el("span", { class: "mq-search-name" }, result.name), " ",
      MQ.el("small", { class: "mq-kind" }, result.kind_label),
      result.detail ? MQ.el("small", { class: "mq-search-detail" }, result.detail) : null);
  }

  async function run(pickFirst) {
    var q = input.value.trim();
    clearTimeout(timer);
    if (!q) { clear(); MQ.show(status, ""); return; }
    var mine = ++asked;
    var query = new URLSearchParams({ q: q, limit: "12" });
    if (MQ.config.community) query.set("community", MQ.config.community);
    var res = await MQ.fetchJSON(MQ.api("/search?" + query.toString()));
    if (mine !== asked) return;  // a newer search is under way
    if (!res.ok) { clear(); MQ.show(status, MQ.errorMessage(res)); return; }
    var results = res.body.results;
    MQ.show(status, results.length ? "" : "没有找到“" + q + "”");
    if (pickFirst && results.length) { show(results[0]); return; }
    list.replaceChildren.apply(list, results.map(option));
    list.hidden = !results.length;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(false); }, DELAY_MS);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { clear(); input.blur(); }
    if (event.key === "ArrowDown" && !list.hidden) { event.preventDefault(); list.firstChild.focus(); }
  });
  list.addEventListener("keydown", function (event) {
    var item = document.activeElement;
    if (event.key === "ArrowDown" && item.nextSibling) { event.preventDefault(); item.nextSibling.focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (item.previousSibling || input).focus(); }
    if (event.key === "Enter") { event.preventDefault(); item.click(); }
  });

  MQ.search = { run: run, show: show };
})();
