/* 民情地图 /me — 我的待办: the open cases dispatched to me, the nearest deadline first (GET /api/v1/me/cases).
 * One tap 签收 / 开始办理; 办结 with a note; 退回 with a reason from the list; the place on the small map with
 * its unit; navigation links; the reporter's full phone only after a tap (POST …/reporter-phone, logged).
 * The actions offered are the case's allowed_actions that need nothing (one tap) or a note (a form; picked from
 * a list when the action names its choices); each posts /api/v1/cases/<code>/transitions.
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var config = MQ.config;
  var list = document.getElementById("mq-me-list");
  var status = document.getElementById("mq-me-status");
  var message = document.getElementById("mq-me-message");
  var place = document.getElementById("mq-me-place");
  var badge = document.getElementById("mq-me-badge");
  if (!list) return;
  var vocabularies = config.vocabularies || {};
  var selected = null;
  var mapLayer = null;

  function setBadge(count) {
    if (!badge) return;
    badge.textContent = String(count);
    badge.dataset.count = String(count);
    badge.hidden = !count;
  }

  /* ----------------------------------------------------------- the map */

  function unitName(c) {
    return c.unit ? c.unit.kind_label + " " + c.unit.name : "不在任何责任单元内";
  }

  function showOnMap(c) {
    selected = c.code;
    Array.prototype.forEach.call(list.children, function (item) {
      item.classList.toggle("is-selected", item.dataset.code === c.code);
    });
    MQ.show(place, c.code + " · " + unitName(c) + (c.address ? " · " + c.address : ""));
    if (!MQ.map) return;
    if (mapLayer) MQ.map.removeLayer(mapLayer);
    mapLayer = L.featureGroup();
    if (c.unit_outline) {
      L.geoJSON(c.unit_outline, {
        coordsToLatLng: function (xy) { return MQ.toDisplay(xy[1], xy[0]); },
        style: { color: "#c62828", weight: 2, fillColor: "#ef9a9a", fillOpacity: 0.35 },
        interactive: false,
      }).addTo(mapLayer);
    }
    var at = MQ.toDisplay(c.lat, c.lon);
    L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#c62828", fillOpacity: 1 })
      .bindTooltip(MQ.el("span", null, unitName(c)), { permanent: true, direction: "top", offset: [0, -8] })
      .addTo(mapLayer);
    mapLayer.addTo(MQ.map);
    fitWhenStill(mapLayer.getBounds());
  }

  /* folium fits the map to the community with an animation; a fit during it would be undone when it ends. */
  function fitWhenStill(bounds) {
    var map = MQ.map;
    var fit = function () { map.fitBounds(bounds, { maxZoom: 18, padding: [24, 24], animate: false }); };
    if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) map.once("moveend", fit);
    else fit();
  }

  /* -------------------------------------------------------- the actions */

  async function post(c, payload) {
    payload.version = c.version;
    return MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(c.code) + "/transitions"),
      { method: "POST", json: payload });
  }

  /* The message shows once the list is drawn again, so what it says is already on the screen. */
  async function done(text) {
    await load();
    MQ.show(message, text);
  }

  function oneTap(action) {
    return !action.requires;
  }

  function withNote(action) {
    return action.requires && action.requires.field === "note";
  }

  function actionForm(c, action, slot) {
    var error = MQ.el("p", { class: "mq-error", role: "alert", hidden: true });
    var reasons = action.choices ? vocabularies[action.choices] || [] : null;
    var fields;
    if (reasons) {
      fields = [
        MQ.el("label", null, action.requires.label,
          MQ.el("select", { name: "reason", required: "required" }, reasons.map(function (r) {
            return MQ.el("option", { value: r.code }, r.label);
          }))),
        MQ.el("label", null, "补充说明（选填）", MQ.el("textarea", { name: "note", rows: "2", maxlength: "3000" })),
      ];
    } else {
      fields = [MQ.el("label", null, action.requires.label + "（必填，群众可见）",
        MQ.el("textarea", { name: "note", rows: "3", maxlength: "4000", required: "required" }))];
    }
    var form = MQ.el("form", { class: "mq-form mq-action-form", dataset: { action: action.code } },
      MQ.el("h3", null, action.label), fields, error,
      MQ.el("div", { class: "mq-actions" },
        MQ.el("button", { type: "submit", class: "mq-primary" }, "确认" + action.label),
        MQ.el("button", { type: "button", onclick: function () { slot.textContent = ""; } }, "取消")));
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var note = String(data.get("note") || "").trim();
      var payload = { action: action.code };
      if (reasons) {
        var reason = String(data.get("reason") || "");
        var label = (reasons.filter(function (r) { return r.code === reason; })[0] || {}).label || reason;
        payload.reason = reason;
        payload.note = note ? label + "：" + note : label;
      } else {
        if (!note) {
          MQ.show(error, "请填写" + action.requires.label + "。");
          return;
        }
        payload.note = note;
      }
      form.querySelector('button[type="submit"]').disabled = true;
      var res = await post(c, payload);
      if (!res.ok) {
        form.querySelector('button[type="submit"]').disabled = false;
        MQ.show(error, MQ.errorMessage(res));
        return;
      }
      done(c.code + " 已" + action.label);
    });
    return form;
  }

  function actionButtons(c, slot) {
    return (c.allowed_actions || []).filter(function (a) { return oneTap(a) || withNote(a); })
      .map(function (action) {
        return MQ.el("button", { type: "button", class: oneTap(action) ? "mq-primary" : null,
          "data-action": action.code, onclick: async function (event) {
            if (oneTap(action)) {
              event.target.disabled = true;
              var res = await post(c, { action: action.code });
              if (!res.ok) {
                event.target.disabled = false;
                MQ.show(message, MQ.errorMessage(res));
                return;
              }
              done(c.code + " 已" + action.label);
              return;
            }
            slot.textContent = "";
            var form = actionForm(c, action, slot);
            slot.appendChild(form);
            form.querySelector("select, textarea").focus();
          } }, action.label);
      });
  }

  /* --------------------------------------------------------- the reporter */

  function reporterLine(c) {
    if (!c.has_reporter_phone) return MQ.el("p", { class: "mq-muted" }, "反映人未留电话");
    var line = MQ.el("p", { class: "mq-me-reporter", "data-role": "reporter" },
      "反映人电话：", MQ.el("span", { "data-role": "phone" }, c.reporter_phone), " ");
    var button = MQ.el("button", { type: "button", "data-role": "reveal", onclick: async function () {
      button.disabled = true;
      var res = await MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(c.code) + "/reporter-phone"),
        { method: "POST", json: {} });
      if (!res.ok) {
        button.disabled = false;
        MQ.show(message, MQ.errorMessage(res));
        return;
      }
      button.replaceWith(MQ.el("a", { class: "mq-button", href: "tel:" + res.body.phone, "data-role": "call" },
        "拨打 " + res.body.phone));
    } }, "查看完整号码");
    line.appendChild(button);
    return line;
  }

  /* ------------------------------------------------------------- the list */

  function card(c) {
    var slot = MQ.el("div", { class: "mq-action-slot" });
    var due = c.due_kind === "response" ? "签收期限 " : "办结期限 ";
    return MQ.el("li", { class: "mq-me-case", dataset: { code: c.code, mark: c.due_mark || "" } },
      MQ.el("h2", { class: "mq-me-title" }, c.title),
      MQ.el("p", { class: "mq-case-line" },
        MQ.el("span", { class: "mq-chip mq-me-status", "data-role": "status" }, c.status_label), " ",
        c.due_mark ? MQ.el("span", { class: "mq-chip mq-me-mark mq-me-" + c.due_mark, "data-role": "mark" },
          c.due_mark_label) : null, " ",
        MQ.el("a", { class: "mq-code-small", href: (config.case_page || "/cases/CODE").replace("CODE",
          encodeURIComponent(c.code)) }, c.code)),
      MQ.el("p", { class: "mq-me-due" }, due, MQ.el("time", { datetime: c.due_at }, MQ.formatTime(c.due_at))),
      MQ.el("p", { class: "mq-me-unit", "data-role": "unit" }, "位置：", unitName(c), c.address ? "，" + c.address : ""),
      c.description ? MQ.el("p", { class: "mq-description" }, c.description) : null,
      reporterLine(c),
      MQ.el("div", { class: "mq-actions mq-me-actions" }, actionButtons(c, slot),
        MQ.el("button", { type: "button", "data-role": "show-map", onclick: function () { showOnMap(c); } }, "看地图"),
        MQ.el("button", { type: "button", "data-role": "show-photos", onclick: function () {
          slot.textContent = "";
          slot.appendChild(MQ.evidenceSection(c, done));
        } }, "照片" + ((c.photos || []).length ? "（" + c.photos.length + "）" : ""))),
      MQ.el("p", { class: "mq-me-nav" }, "导航：", (c.navigation || []).map(function (n) {
        return [MQ.el("a", { href: n.url, rel: "noopener noreferrer", "data-app": n.app }, n.label), " "];
      })),
      slot);
  }

  async function load() {
    var res = await MQ.fetchJSON(MQ.api("/me/cases"));
    if (!res.ok) {
      MQ.show(status, res.body && res.body.error === "no_person" ? "你的账号没有关联责任人，没有待办。" : MQ.errorMessage(res));
      return;
    }
    var cases = res.body.cases || [];
    setBadge(res.body.count);
    list.textContent = "";
    MQ.append(list, cases.map(card));
    MQ.show(status, cases.length ? "共 " + cases.length + " 件待办，最先到期的在前。" : "暂无待办，辛苦了！");
    var again = cases.filter(function (c) { return c.code === selected; })[0];
    if (again || cases.length) showOnMap(again || cases[0]);
    else MQ.show(place, "");
  }

  load();
})();
