/* 民情地图 /map — the cadre dashboard: a click anywhere asks /api/v1/lookup who answers for the point.
 *
 * Click priority: in the default mode 查责任人 every click — on a building, a case marker or a cluster — asks
 * who answers for the point under the cursor; the popup also lists the cases under the cursor (one tap opens
 * one). In the mode 查民情 (or with Shift held) a marker opens its case and a cluster zooms in.
 *
 * Hooks for the cases feature:
 *   openCaseForm(lat, lon, assignee[, place])  — the "在此登记民情" form (WGS-84 lat/lon)
 *   selectCaseForDispatch({code, version, title}) — choose the case "派给此处责任人" will dispatch
 *   dispatchSelectedCase(assignee)             — POST /api/v1/cases/{code}/transitions {action: config.dispatch_action}
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var map = MQ.map;
  if (!map) return;
  var cadre = (MQ.cadre = {});
  var state = { seq: 0, selectedCase: null, mode: "unit", dispatched: null };
  var mayDispatch = !!MQ.config.may_dispatch;
  var caseForm = new MQ.CaseForm({
    channel: null, showCaseCode: true, casePage: MQ.config.case_page, draftKey: "map",
    onCreated: function () { if (cadre.reloadCases) cadre.reloadCases(); },
  });

  MQ.legendControl(map, "mq-legend", "bottomleft");
  /* On a phone the legend starts folded: it would cover half the map. */
  var legend = document.getElementById("mq-legend");
  if (legend && window.matchMedia("(max-width: 599px)").matches) legend.open = false;
  MQ.compactLayers(map);

  /* ------------------------------------------------------ click mode */

  var ClickMode = L.Control.extend({
    onAdd: function () {
      var box = MQ.el("div", { class: "leaflet-bar mq-click-mode", role: "group", "aria-label": "点击地图时" },
        [["unit", "查责任人"], ["case", "查民情"]].map(function (pair) {
          return MQ.el("button", { type: "button", "data-click-mode": pair[0], "aria-pressed": pair[0] === state.mode ? "true" : "false",
            onclick: function () { cadre.setClickMode(pair[0]); } }, pair[1]);
        }));
      L.DomEvent.disableClickPropagation(box);
      return box;
    },
  });
  new ClickMode({ position: "topright" }).addTo(map);  /* below the layers: the legend (bottom left) can grow over the top-left corner */

  /** "unit": every click asks who answers for the point; "case": markers open their case, clusters zoom in. */
  cadre.setClickMode = function (mode) {
    state.mode = mode === "case" ? "case" : "unit";
    document.querySelectorAll("[data-click-mode]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-click-mode") === state.mode ? "true" : "false");
    });
    map.getContainer().classList.toggle("mq-mode-case", state.mode === "case");
  };

  /** Whether a click on a marker (its DOM event) should open the case rather than ask who answers there. */
  cadre.markersAnswer = function (domEvent) {
    return state.mode === "case" || !!(domEvent && domEvent.shiftKey);
  };

  /* ------------------------------------------ popups clear of the panels */

  /** Auto-pan paddings that keep a popup clear of the 待派单 banner, the legend and the layer control. */
  cadre.popupPadding = function () {
    var box = map.getContainer().getBoundingClientRect();
    var top = 10, bottom = 10, right = 10, left = 10;
    var banner = document.getElementById("mq-selected-case");
    if (banner && !banner.hidden) top = Math.max(top, banner.getBoundingClientRect().bottom - box.top + 10);
    if (legend) {
      if (legend.open) { /* folded while a popup is open: its buttons must never be under the legend */
        legend.open = false;
        state.legendFolded = true;
      }
      var lr = legend.getBoundingClientRect();
      if (lr.height) bottom = Math.max(bottom, box.bottom - lr.top + 10);
    }
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    if (layers) {
      var r = layers.getBoundingClientRect();
      /* a wide open layer list on a desk screen: keep popups left of it; a folded icon: below it */
      if (r.width > 60 && box.width - r.width > 420) right = Math.max(right, box.right - r.left + 10);
      else top = Math.max(top, r.bottom - box.top + 10);
    }
    return { autoPanPaddingTopLeft: L.point(left, top), autoPanPaddingBottomRight: L.point(right, bottom) };
  };

  /* A popup folds the legend (its buttons must never be under it); the legend comes back when it closes. */
  map.on("popupopen", function () {
    if (legend && legend.open) {
      legend.open = false;
      state.legendFolded = true;
    }
  });
  map.on("popupclose", function () {
    if (legend && state.legendFolded && !window.matchMedia("(max-width: 599px)").matches) legend.open = true;
    state.legendFolded = false;
  });

  /* ------------------------------------------------------------ lookup */

  function personLine(person) {
    return MQ.el("li", null, person.role_label + " " + person.name,
      person.phone ? MQ.el("span", { class: "mq-phone" }, " " + person.phone) : null,
      person.party_member ? MQ.el("span", { class: "mq-badge" }, "党员") : null);
  }

  /* Up to two people in full; more (a grid's riders) folded under "等 N 人". */
  function peopleList(people) {
    if (!people.length) return MQ.el("div", { class: "mq-muted" }, "暂无责任人");
    if (people.length <= 2) return MQ.el("ul", { class: "mq-people" }, people.map(personLine));
    return MQ.el("details", { class: "mq-people-more" },
      MQ.el("summary", null, people[0].role_label + " " + people[0].name + " 等 " + people.length + " 人"),
      MQ.el("ul", { class: "mq-people" }, people.map(personLine)));
  }

  function chainList(chain) {
    return MQ.el("ol", { class: "mq-chain" }, chain.map(function (unit) {
      return MQ.el("li", { dataset: { kind: unit.kind, code: unit.code || "" } },
        MQ.el("span", { class: "mq-kind" }, unit.kind_label), " ", MQ.el("b", null, unit.name),
        unit.code ? MQ.el("small", { class: "mq-muted" }, " " + unit.code) : null,
        peopleList(unit.people));
    }));
  }

  function assigneeLine(body) {
    var assignee = body.assignee;
    if (body.fallback || !assignee.person) {
      return MQ.el("p", { class: "mq-assignee mq-fallback" }, "此处无责任人，由" + assignee.role_label + "受理");
    }
    return MQ.el("p", { class: "mq-assignee" }, "责任人：" + assignee.role_label + " " + assignee.person.name,
      assignee.person.phone ? MQ.el("span", { class: "mq-phone" }, " " + assignee.person.phone) : null);
  }

  function placeName(body) {
    return MQ.placeName(body);
  }

  /* The cases under the click: one tap opens one (its details are fetched then). */
  function nearbyCases(cases) {
    if (!cases || !cases.length) return null;
    var shown = cases.slice(0, 5);
    return MQ.el("div", { class: "mq-here-cases", "data-role": "here-cases" },
      MQ.el("p", { class: "mq-muted" }, "此处民情 " + cases.length + " 件" + (cases.length > shown.length ? "（显示前 5 件）" : "") + "："),
      MQ.el("ul", null, shown.map(function (c) {
        return MQ.el("li", null, MQ.el("button", { type: "button", class: "mq-link", dataset: { caseCode: c.code },
          onclick: function () { if (cadre.openCase) cadre.openCase(c.code); } },
          "【" + (c.status_label || ((MQ.config.labels || {}).status || {})[c.status] || c.status) + "】" + c.title));
      })));
  }

  function lookupContent(body, cases) {
    var canDispatch = mayDispatch && !!state.selectedCase && !!body.assignee.person;
    return MQ.el("div", { class: "mq-lookup" },
      MQ.el("h3", null, body.community.name),
      assigneeLine(body),
      body.chain.length ? chainList(body.chain) : MQ.el("p", { class: "mq-muted" }, "此处不在任何责任网格内"),
      MQ.el("div", { class: "mq-actions" },
        MQ.el("button", {
          type: "button", class: "mq-primary", "data-action": "new-case",
          onclick: function () {
            window.openCaseForm(body.point.lat, body.point.lon, body.assignee, placeName(body));
          },
        }, "在此登记民情"),
        MQ.el("button", {
          type: "button", "data-action": MQ.config.dispatch_action, hidden: !canDispatch,
          onclick: function () { window.dispatchSelectedCase(body.assignee); },
        }, "派给此处责任人")),
      nearbyCases(cases));
  }

  /** Ask who answers for a clicked point (event.latlng); cases: the case markers under the cursor, if any. */
  cadre.onMapClick = async function (event, cases) {
    var seq = ++state.seq;
    if (cases === undefined && cadre.casesNear) cases = cadre.casesNear(event.latlng);
    var popup = L.popup(Object.assign({ maxWidth: 340, minWidth: 240, maxHeight: 380, className: "mq-lookup-popup" },
      cadre.popupPadding()))
      .setLatLng(event.latlng)
      .setContent(MQ.el("div", { class: "mq-loading" }, "正在查询此处责任人…"))
      .openOn(map);
    var res = await MQ.lookup(event.latlng);
    if (seq !== state.seq || !map.hasLayer(popup)) return;
    Object.assign(popup.options, cadre.popupPadding());
    popup.setContent(res.ok ? lookupContent(res.body, cases) : MQ.el("div", { class: "mq-error" }, MQ.errorMessage(res)));
  };
  map.on("click", function (event) { cadre.onMapClick(event); });

  /* -------------------------------------------------- cases (hooks) */

  /** Open the "登记民情" form for a WGS-84 point, with the assignee the lookup found. */
  cadre.openCaseForm = function (lat, lon, assignee, place) {
    map.closePopup();
    caseForm.open({ lat: lat, lon: lon, assignee: assignee || null, place: place || "" });
  };

  /* The banner says what is going on: a case waiting to be dispatched, or the dispatch just done. */
  function renderSelectedCase() {
    var box = document.getElementById("mq-selected-case");
    if (!box) return;
    box.textContent = "";
    var c = state.selectedCase;
    var done = state.dispatched;
    box.hidden = !c && !done;
    box.dataset.state = c ? "selected" : done ? "dispatched" : "";
    if (c) {
      MQ.append(box, [
        MQ.el("span", null, "待派单：", MQ.el("b", null, c.code), " ", c.title || ""),
        MQ.el("span", { class: "mq-muted" }, " — 点击地图上的楼栋或位置，再点“派给此处责任人”"),
        MQ.el("button", { type: "button", onclick: function () { cadre.selectCase(null); } }, "取消"),
        MQ.el("p", { class: "mq-status", "data-role": "dispatch-status", hidden: true }),
      ]);
    } else if (done) {
      MQ.append(box, [
        MQ.el("span", null, "已派单：", MQ.el("b", null, done.code), " ", done.title || ""),
        MQ.el("button", { type: "button", onclick: function () { state.dispatched = null; renderSelectedCase(); } }, "关闭"),
        MQ.el("p", { class: "mq-status", "data-role": "dispatch-status" }, done.message),
      ]);
    }
  }

  /** Choose the case to dispatch ({code, version, title}), or null to clear; only for a viewer who may dispatch. */
  cadre.selectCase = function (c) {
    if (c && !mayDispatch) return;
    state.selectedCase = c ? { code: c.code, version: c.version, title: c.title } : null;
    if (c) state.dispatched = null;
    renderSelectedCase();
    if (cadre.onSelect) cadre.onSelect(state.selectedCase);
  };

  cadre.selectedCase = function () {
    return state.selectedCase;
  };

  /** Dispatch the selected case to the person the lookup found at the clicked point. */
  cadre.dispatchSelectedCase = async function (assignee) {
    var c = state.selectedCase;
    var status = function (text) {
      var node = document.querySelector('#mq-selected-case [data-role="dispatch-status"]');
      if (node) MQ.show(node, text);
    };
    if (!c) return null;
    if (!assignee || !assignee.person) {
      status("此处无责任人，请选择其他位置。");
      return null;
    }
    var res = await MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(c.code) + "/transitions"), {
      method: "POST", json: { action: MQ.config.dispatch_action, version: c.version, assignee_id: assignee.person.id },
    });
    if (!res.ok) {
      status(MQ.errorMessage(res));
      return null;
    }
    map.closePopup();
    /* The case is dispatched: nothing waits any more; the banner says to whom, the marker and list follow. */
    state.selectedCase = null;
    state.dispatched = { code: c.code, title: c.title, message: "已派给 " + assignee.role_label + " " + assignee.person.name };
    renderSelectedCase();
    if (cadre.onSelect) cadre.onSelect(null);
    if (cadre.onDispatched) cadre.onDispatched(res.body);
    return res.body;
  };

  window.openCaseForm = cadre.openCaseForm;
  window.selectCaseForDispatch = cadre.selectCase;
  window.dispatchSelectedCase = cadre.dispatchSelectedCase;
})();
