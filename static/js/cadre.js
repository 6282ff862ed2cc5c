/* 民情地图 /map — the cadre dashboard: a click anywhere asks /api/v1/lookup who answers for the point.
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
  var state = { seq: 0, selectedCase: null };
  var caseForm = new MQ.CaseForm({ channel: null, showCaseCode: true });

  MQ.legendControl(map, "mq-legend", "bottomleft");
  /* On a phone the legend starts folded: it would cover half the map. */
  var legend = document.getElementById("mq-legend");
  if (legend && window.matchMedia("(max-width: 599px)").matches) legend.open = false;
  MQ.compactLayers(map);

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
    return body.chain.length ? body.chain[0].name : body.community.name;
  }

  function lookupContent(body) {
    var canDispatch = !!state.selectedCase && !!body.assignee.person;
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
        }, "派给此处责任人")));
  }

  cadre.onMapClick = async function (event) {
    var seq = ++state.seq;
    var popup = L.popup({ maxWidth: 340, minWidth: 240, maxHeight: 380, className: "mq-lookup-popup" })
      .setLatLng(event.latlng)
      .setContent(MQ.el("div", { class: "mq-loading" }, "正在查询此处责任人…"))
      .openOn(map);
    var res = await MQ.lookup(event.latlng);
    if (seq !== state.seq || !map.hasLayer(popup)) return;
    popup.setContent(res.ok ? lookupContent(res.body) : MQ.el("div", { class: "mq-error" }, MQ.errorMessage(res)));
  };
  map.on("click", cadre.onMapClick);

  /* -------------------------------------------------- cases (hooks) */

  /** Open the "登记民情" form for a WGS-84 point, with the assignee the lookup found. */
  cadre.openCaseForm = function (lat, lon, assignee, place) {
    map.closePopup();
    caseForm.open({ lat: lat, lon: lon, assignee: assignee || null, place: place || "" });
  };

  function renderSelectedCase() {
    var box = document.getElementById("mq-selected-case");
    if (!box) return;
    box.textContent = "";
    var c = state.selectedCase;
    box.hidden = !c;
    if (!c) return;
    MQ.append(box, [
      MQ.el("span", null, "待派单：", MQ.el("b", null, c.code), " ", c.title || ""),
      MQ.el("span", { class: "mq-muted" }, " — 点击地图上的位置，再点“派给此处责任人”"),
      MQ.el("button", { type: "button", onclick: function () { cadre.selectCase(null); } }, "取消"),
      MQ.el("p", { class: "mq-status", "data-role": "dispatch-status", hidden: true }),
    ]);
  }

  /** Choose the case to dispatch ({code, version, title}), or null to clear. */
  cadre.selectCase = function (c) {
    state.selectedCase = c ? { code: c.code, version: c.version, title: c.title } : null;
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
    if (res.body && res.body.version) c.version = res.body.version;
    map.closePopup();
    status("已派给 " + assignee.role_label + " " + assignee.person.name);
    if (cadre.onDispatched) cadre.onDispatched(res.body);
    return res.body;
  };

  window.openCaseForm = cadre.openCaseForm;
  window.selectCaseForDispatch = cadre.selectCase;
  window.dispatchSelectedCase = cadre.dispatchSelectedCase;
})();
