/* 民情地图 /map — the cases on the cadre dashboard: clustered markers coloured by status, a list, filters
 * and the heat layer. Cases come from GET /api/v1/cases (paged, the cadre's scope), heat from
 * GET /api/v1/heat; nothing about a case is inlined in the page. Every text goes in with textContent.
 *
 * Markers come from the light field set (?fields=marker: code, title, status, category, overdue, point); a case's
 * details (channel, assignee, times, allowed_actions) are fetched when it is opened. Opening a case the viewer may
 * dispatch selects it (selectCaseForDispatch), so the lookup popup of the next map click offers "派给此处责任人".
 * Which click opens a case and which asks who answers for the point: see cadre.js (click mode).
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var map = MQ.map;
  var cadre = MQ.cadre;
  if (!map || !cadre) return;
  var config = MQ.config;
  var layers = config.layers || {};
  var cluster = window[layers.cases];
  var heatLayer = window[layers.heat];
  var colors = config.status_colors || {};
  var OPEN = config.open_statuses || [];
  var PAGE_SIZE = config.page_size || 100;
  var LIST_STEP = 50;
  var MAX_MARKERS = config.max_markers || 3000;
  var UNCLUSTERED_ZOOM = 19;
  var $ = function (id) { return document.getElementById(id); };
  var state = { seq: 0, cases: [], total: 0, markers: new Map(), shown: 0, selected: null, details: new Map() };
  var labels = config.labels || {};
  var NEAR_PX = 14; /* a marker this close to a click (screen pixels) is "under the cursor" */

  MQ.sidePanel(map);
  var heat = heatLayer ? new MQ.HeatView(map, heatLayer, { community: config.community }) : null;
  var filters = new MQ.Filters($("mq-filters"), function () {
    loadCases();
    refreshHeat();
  });

  /* ------------------------------------------------------------ helpers */

  function label(item) {
    return item ? item.label || item.code : "";
  }

  function casePage(code) {
    return (config.case_page || "/cases/CODE").replace("CODE", encodeURIComponent(code));
  }

  /** The case's dispatch action when the viewer may dispatch it now (the server says so), else null. */
  function dispatchAction(c) {
    return (c.allowed_actions || []).filter(function (a) { return a.code === config.dispatch_action; })[0] || null;
  }

  function assigneeText(c) {
    var a = c.assignee || {};
    if (a.name) return (a.role_label || "") + " " + a.name;
    return a.role_label + "（未指定责任人）";
  }

  function statusLabel(c) {
    return c.status_label || (labels.status || {})[c.status] || c.status;
  }

  function categoryLabel(c) {
    return typeof c.category === "string" ? (labels.category || {})[c.category] || c.category : label(c.category);
  }

  /* A marker's light fields from a full case, so a case changed here stays one shape in the list and markers. */
  function light(c) {
    return { code: c.code, title: c.title, status: c.status, category: c.category && c.category.code || c.category,
      overdue: c.overdue || null, lat: c.lat, lon: c.lon };
  }

  function statusChip(c) {
    return MQ.el("span", { class: "mq-chip", style: "background:" + (colors[c.status] || "#555"),
      dataset: { status: c.status } }, statusLabel(c));
  }

  /* ------------------------------------------------------------ markers */

  function caseIcon(c) {
    var classes = "mq-case-dot" + (c.overdue ? " mq-overdue" : "") + (state.selected === c.code ? " mq-selected" : "");
    var dot = MQ.el("span", { class: classes, style: "background:" + (colors[c.status] || "#555"),
      dataset: { code: c.code, status: c.status } });
    return L.divIcon({ html: dot, className: "mq-case-pin", iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -8] });
  }

  function clusterIcon(group) {
    var children = group.getAllChildMarkers();
    var open = children.filter(function (m) { return m.mqCase && OPEN.indexOf(m.mqCase.status) >= 0; }).length;
    var count = group.getChildCount();
    var size = count < 10 ? 30 : count < 100 ? 38 : 46;
    var node = MQ.el("div", { class: "mq-cluster" + (open ? " mq-cluster-open" : ""),
      title: count + " 件民情" + (open ? "，其中未办结 " + open + " 件" : "") },
      MQ.el("span", null, String(count)));
    return L.divIcon({ html: node, className: "mq-cluster-icon", iconSize: L.point(size, size) });
  }
  if (cluster) cluster.options.iconCreateFunction = clusterIcon;

  function popupContent(c) {
    var selected = state.selected === c.code;
    var hint = null;
    if (!config.may_dispatch) hint = null; /* a chief works his cases on their page; dispatching is not his */
    else if (!dispatchAction(c)) hint = MQ.el("p", { class: "mq-muted" }, "当前状态（" + statusLabel(c) + "）不能派单");
    else if (selected) hint = MQ.el("p", { class: "mq-hint", "data-role": "selected" }, "已选为待派单：点击地图上的楼栋或位置，再点“派给此处责任人”。");
    return MQ.el("div", { class: "mq-case-pop", dataset: { code: c.code } },
      MQ.el("h3", { "data-role": "title" }, c.title),
      MQ.el("p", { class: "mq-case-line" }, statusChip(c), " ", MQ.el("span", { class: "mq-muted" }, c.code),
        c.overdue ? MQ.el("span", { class: "mq-chip mq-chip-overdue" }, c.overdue_label) : null),
      MQ.el("dl", { class: "mq-facts" },
        MQ.el("dt", null, "渠道"), MQ.el("dd", { "data-role": "channel" }, label(c.channel)),
        MQ.el("dt", null, "类别"), MQ.el("dd", { "data-role": "category" }, label(c.category)),
        MQ.el("dt", null, "责任人"), MQ.el("dd", { "data-role": "assignee" }, assigneeText(c)),
        MQ.el("dt", null, "受理"), MQ.el("dd", null, MQ.formatTime(c.times && c.times.received))),
      hint,
      MQ.el("a", { href: casePage(c.code), class: "mq-more-link" }, "详情与办理 →"));
  }

  function chooseCase(c) {
    if (!config.may_dispatch || !dispatchAction(c)) return;
    window.selectCaseForDispatch({ code: c.code, version: c.version, title: c.title });
  }

  /** The whole case (fetched once per opening: it may have changed since the markers were loaded). */
  async function details(code) {
    var res = await MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(code)));
    if (res.ok) state.details.set(code, res.body);
    return res;
  }

  /** Open a case: fetch its details, select it for dispatch when the viewer may, show its popup at its marker. */
  cadre.openCase = async function (code) {
    var marker = state.markers.get(code);
    var at = marker ? marker.getLatLng() : null;
    var popup = L.popup(Object.assign({ maxWidth: 300, minWidth: 220, className: "mq-case-popup" }, cadre.popupPadding()));
    if (at) popup.setLatLng(at).setContent(MQ.el("div", { class: "mq-loading" }, "正在读取民情…")).openOn(map);
    var res = await details(code);
    if (!res.ok) {
      if (at) popup.setContent(MQ.el("div", { class: "mq-error" }, MQ.errorMessage(res)));
      return null;
    }
    var c = res.body;
    if (!at) {
      at = MQ.toDisplay(c.lat, c.lon);
      popup.setLatLng(at);
    }
    chooseCase(c); /* before the content: it shows the selection */
    Object.assign(popup.options, cadre.popupPadding());
    popup.setContent(popupContent(c));
    if (!map.hasLayer(popup)) popup.openOn(map);
    return c;
  };

  /** The cases whose markers are drawn within NEAR_PX of a map position (a cluster counts its members). */
  cadre.casesNear = function (latlng) {
    if (!cluster || !map.hasLayer(cluster)) return [];
    var here = map.latLngToLayerPoint(latlng);
    var found = [];
    state.markers.forEach(function (marker) {
      var shown = cluster.getVisibleParent(marker);
      if (!shown) return;
      var radius = shown === marker ? NEAR_PX : NEAR_PX + 12;
      if (map.latLngToLayerPoint(shown.getLatLng()).distanceTo(here) <= radius) found.push(marker.mqCase);
    });
    return found;
  };

  function clickedAt(event) {
    return event.originalEvent ? map.mouseEventToLatLng(event.originalEvent) : event.latlng;
  }

  function makeMarker(c) {
    var marker = L.marker(MQ.toDisplay(c.lat, c.lon), { icon: caseIcon(c), title: c.title, riseOnHover: true });
    marker.mqCase = c;
    marker.on("click", function (event) {
      if (cadre.markersAnswer(event.originalEvent)) cadre.openCase(marker.mqCase.code);
      else cadre.onMapClick({ latlng: clickedAt(event) });
    });
    return marker;
  }

  /* A cluster: in 查民情 mode (or with Shift) it zooms in (spreads out at the last zoom); else it asks who answers. */
  if (cluster) {
    cluster.on("clusterclick", function (event) {
      if (cadre.markersAnswer(event.originalEvent)) {
        if (map.getZoom() >= map.getMaxZoom()) event.layer.spiderfy();
        else event.layer.zoomToBounds({ padding: [30, 30] });
      } else {
        cadre.onMapClick({ latlng: clickedAt(event) });
      }
    });
  }

  function restyle(code) {
    var marker = state.markers.get(code);
    if (!marker) return;
    marker.setIcon(caseIcon(marker.mqCase));
    if (cluster && cluster.refreshClusters) cluster.refreshClusters(marker);
  }

  /* --------------------------------------------------------------- list */

  function listItem(c) {
    return MQ.el("li", { dataset: { code: c.code, status: c.status } },
      MQ.el("button", { type: "button", class: "mq-case-item", onclick: function () { cadre.showCase(c.code); } },
        MQ.el("span", { class: "mq-case-title", "data-role": "title" }, c.title),
        MQ.el("span", { class: "mq-case-meta" }, statusChip(c), " ",
          c.assignee ? MQ.el("span", { "data-role": "assignee" }, assigneeText(c)) : null,
          c.overdue ? MQ.el("span", { class: "mq-chip mq-chip-overdue" }, "超时") : null),
        MQ.el("span", { class: "mq-case-meta mq-muted" }, c.code + " · " + categoryLabel(c))));
  }

  function renderList(more) {
    var list = $("mq-case-list");
    if (!more) {
      list.textContent = "";
      state.shown = 0;
    }
    var next = state.cases.slice(state.shown, state.shown + LIST_STEP);
    MQ.append(list, next.map(listItem));
    state.shown += next.length;
    $("mq-list-more").hidden = state.shown >= state.cases.length;
  }
  $("mq-list-more").addEventListener("click", function () { renderList(true); });

  function replaceListItem(c) {
    var old = document.querySelector('#mq-case-list li[data-code="' + CSS.escape(c.code) + '"]');
    if (old) old.replaceWith(listItem(c));
  }

  function renderCount(text) {
    MQ.show($("mq-case-count"), text);
  }

  /* -------------------------------------------------------------- loading */

  async function loadCases() {
    var mine = ++state.seq;
    var all = [];
    var total = 0;
    var cursor = null;
    var estimate = false;
    renderCount("正在加载民情…");
    while (all.length < MAX_MARKERS) {
      /* keyset pages: each starts after the last case of the one before (next_cursor) */
      var params = filters.params({ community: config.community, limit: Math.min(PAGE_SIZE, MAX_MARKERS - all.length),
        fields: "marker" });
      if (cursor) params.set("cursor", cursor);
      var res = await MQ.fetchJSON(MQ.api("/cases?" + params.toString()));
      if (mine !== state.seq) return;
      if (!res.ok) {
        renderCount("加载民情失败：" + MQ.errorMessage(res));
        return;
      }
      total = res.body.total;
      estimate = res.body.count_is_estimate;
      all = all.concat(res.body.cases);
      cursor = res.body.next_cursor;
      if (!res.body.cases.length || !cursor) break;
    }
    state.cases = all;
    state.total = total;
    state.markers = new Map();
    var markers = all.map(function (c) {
      var marker = makeMarker(c);
      state.markers.set(c.code, marker);
      return marker;
    });
    if (cluster) {
      cluster.clearLayers();
      cluster.addLayers(markers);
    }
    renderList(false);
    renderCount(total === 0 ? "没有符合条件的民情。" : "共 " + (estimate ? "约 " : "") + total + " 件民情" +
      (all.length < total ? "，地图显示最新的 " + all.length + " 件（热力图包含全部）" : ""));
    document.body.dataset.casesLoaded = String(mine);
    if (config.select && !state.preselected) {
      state.preselected = true;
      preselect(config.select);
    }
  }

  async function preselect(code) {
    if (state.markers.has(code)) {
      cadre.showCase(code);
      return;
    }
    var res = await details(code);
    if (!res.ok) return;
    chooseCase(res.body);
    map.setView(MQ.toDisplay(res.body.lat, res.body.lon), Math.max(map.getZoom(), 17));
  }

  /** Load the cases again (after 在此登记民情: the new case in the list, its count and on the map). */
  cadre.reloadCases = loadCases;

  /** Bring a case's marker into view (out of its cluster: clustering stops at zoom 19), select it, open it. */
  cadre.showCase = function (code) {
    var marker = state.markers.get(code);
    if (!marker || !cluster) return false;
    document.body.classList.remove("mq-side-open");
    if (map._animatingZoom) { /* a view set during a zoom animation is undone when it ends */
      map.once("zoomend", function () { cadre.showCase(code); });
      return true;
    }
    if (!map.hasLayer(cluster)) map.addLayer(cluster);
    var open = function () { cadre.openCase(code); };
    if (cluster.getVisibleParent(marker) === marker && map.getBounds().contains(marker.getLatLng())) {
      open();
      return true;
    }
    map.once("moveend", function () { window.setTimeout(open, 350); }); /* after the clusters split */
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), UNCLUSTERED_ZOOM));
    return true;
  };

  cadre.caseMarker = function (code) {
    return state.markers.get(code) || null;
  };

  /* A dispatched case: its new status and assignee on the marker, popup and list at once. */
  cadre.onDispatched = function (body) {
    var marker = state.markers.get(body.code);
    state.details.set(body.code, body);
    var shown = Object.assign(light(body), { assignee: body.assignee });
    if (marker) marker.mqCase = shown;
    state.cases = state.cases.map(function (c) { return c.code === body.code ? shown : c; });
    restyle(body.code);
    replaceListItem(shown);
  };

  cadre.onSelect = function (selected) {
    var previous = state.selected;
    state.selected = selected ? selected.code : null;
    if (previous && previous !== state.selected) restyle(previous);
    if (state.selected) restyle(state.selected);
  };

  /* ----------------------------------------------------------------- heat */

  async function refreshHeat() {
    if (!heat || !map.hasLayer(heatLayer)) return;
    await heat.load(filters.values());
  }

  map.on("overlayadd", function (event) {
    if (event.layer === heatLayer) refreshHeat();
  });
  map.on("moveend", refreshHeat);

  cadre.filters = filters;
  cadre.heat = heat;
  loadCases();
})();
