/* 民情地图 /cases/<code> — one case for staff: facts, history and the next workflow actions.
 * Reads GET /api/v1/cases/<code>; an action posts /api/v1/cases/<code>/transitions with the version read.
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var config = MQ.config;
  var satisfaction = config.satisfaction || [];
  var box = document.getElementById("mq-case");
  if (!box || !config.code) return;
  var colors = config.status_colors || {};

  function label(item) {
    return item ? item.label || item.code : "";
  }

  function fact(term, value, role) {
    if (value === null || value === undefined || value === "") return null;
    return [MQ.el("dt", null, term), MQ.el("dd", role ? { "data-role": role } : null, value)];
  }

  /* The form for one allowed action ({code, label, requires: {field, label} | null}, from the case JSON). */
  function actionForm(c, action, onDone) {
    var required = action.requires ? action.requires.field : null;
    var needsNote = required === "note";
    var error = MQ.el("p", { class: "mq-error", role: "alert", hidden: true });
    var fields = [
      required === "satisfaction" ? MQ.el("label", null, action.requires.label,
        MQ.el("select", { name: "satisfaction", required: "required" }, satisfaction.map(function (s) {
          return MQ.el("option", { value: s.code }, s.label);
        }))) : null,
      required === "duplicate_of" ? MQ.el("label", null, action.requires.label,
        MQ.el("input", { name: "duplicate_of", required: "required", maxlength: "40", placeholder: "MQ-2024-000123" })) : null,
      MQ.el("label", null, needsNote ? action.requires.label + "（必填）" : "备注（选填）",
        MQ.el("textarea", { name: "note", rows: "3", maxlength: "4000" })),
    ];
    var form = MQ.el("form", { class: "mq-form mq-action-form", dataset: { action: action.code } },
      MQ.el("h3", null, action.label), fields, error,
      MQ.el("div", { class: "mq-actions" },
        MQ.el("button", { type: "submit", class: "mq-primary" }, "确认" + action.label),
        MQ.el("button", { type: "button", onclick: function () { form.remove(); } }, "取消")));
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var payload = { action: action.code, version: c.version };
      var note = String(data.get("note") || "").trim();
      if (note) payload.note = note;
      if (needsNote && !note) {
        MQ.show(error, "请填写" + action.requires.label + "。");
        return;
      }
      if (required && required !== "note") payload[required] = String(data.get(required) || "").trim();
      form.querySelector('button[type="submit"]').disabled = true;
      var res = await MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(c.code) + "/transitions"),
        { method: "POST", json: payload });
      if (!res.ok) {
        form.querySelector('button[type="submit"]').disabled = false;
        MQ.show(error, MQ.errorMessage(res));
        return;
      }
      onDone(res.body, "已" + action.label);
    });
    return form;
  }

  function actionsSection(c) {
    var actions = c.allowed_actions || [];
    var slot = MQ.el("div", { class: "mq-action-slot" });
    var buttons = actions.map(function (action) {
      if (action.requires && action.requires.field === "assignee_id") { /* dispatching is done on the map */
        return MQ.el("a", { class: "mq-button", href: (config.map_page || "/map") + "?case=" + encodeURIComponent(c.code),
          "data-action": action.code }, "在地图上" + action.label);
      }
      return MQ.el("button", { type: "button", "data-action": action.code, onclick: function () {
        slot.textContent = "";
        var form = actionForm(c, action, function (body, message) { render(body, message); });
        slot.appendChild(form);
        var first = form.querySelector("select, input, textarea");
        if (first) first.focus();
      } }, action.label);
    });
    return MQ.el("section", { class: "mq-case-actions" },
      MQ.el("h2", null, "办理"),
      actions.length ? MQ.el("div", { class: "mq-actions" }, buttons) : MQ.el("p", { class: "mq-muted" }, "此民情已无可执行的操作。"),
      /* 确认上报 is offered only for a report with a household to credit (the server's allowed_actions). */
      actions.some(function (a) { return a.code === config.points_action; }) ? MQ.el("p", { class: "mq-muted", "data-role": "confirm-hint" },
        "确认上报：核实居民反映属实后点此确认，上报人所在户将获得爱心超市积分（每件只能确认一次）。") : null,
      slot);
  }

  function historyList(events) {
    return MQ.el("ol", { class: "mq-timeline" }, (events || []).map(function (e) {
      var from = e.from ? (e.from_label || e.from) + " → " : "";
      return MQ.el("li", { dataset: { action: e.action } },
        MQ.el("time", { datetime: e.at }, MQ.formatTime(e.at)), " ",
        MQ.el("b", null, e.action_label || e.action), " ",
        MQ.el("span", { class: "mq-muted" }, from + (e.to_label || e.to) + " · " + (e.actor_label || "系统")),
        e.note ? MQ.el("div", { class: "mq-note" }, e.note) : null);
    }));
  }

  function render(c, message) {
    var a = c.assignee || {};
    box.textContent = "";
    MQ.append(box, [
      MQ.el("h1", { class: "mq-case-heading" }, MQ.el("span", { "data-role": "title" }, c.title)),
      MQ.el("p", { class: "mq-case-line" },
        MQ.el("span", { class: "mq-chip", style: "background:" + (colors[c.status] || "#555"), "data-role": "status" },
          c.status_label || c.status), " ",
        MQ.el("span", { class: "mq-code-small" }, c.code),
        c.overdue ? MQ.el("span", { class: "mq-chip mq-chip-overdue" }, c.overdue_label) : null),
      message ? MQ.el("p", { class: "mq-result", role: "status", "data-role": "message" }, message) : null,
      c.description ? MQ.el("p", { class: "mq-description" }, c.description) : null,
      MQ.el("dl", { class: "mq-track-facts mq-case-facts" },
        fact("渠道", label(c.channel)), fact("类别", label(c.category)), fact("紧急程度", label(c.urgency)),
        fact("标签", (c.tags || []).map(label).join("、")), fact("地址", c.address),
        fact("责任单元", c.unit ? c.unit.kind_label + " " + c.unit.name : "不在任何责任单元内"),
        fact("责任人", a.name ? (a.role_label || "") + " " + a.name + (a.phone ? " " + a.phone : "") : a.role_label,
          "assignee"),
        fact("反映人", c.anonymous ? "匿名" : c.reporter_name), fact("联系电话", c.reporter_phone),
        fact("户号", c.household), fact("群众查询码", c.tracking_code, "tracking-code"),
        fact("受理时间", MQ.formatTime(c.times && c.times.received)),
        fact("签收期限", MQ.formatTime(c.response_due_at)), fact("办结期限", MQ.formatTime(c.resolve_due_at)),
        fact("办结说明", c.resolution_note), fact("满意度", c.satisfaction ? label(c.satisfaction) : null),
        fact("重复于", c.duplicate_of)),
      MQ.evidenceSection(c, reload),
      actionsSection(c),
      MQ.el("section", { class: "mq-case-history" }, MQ.el("h2", null, "办理记录"), historyList(c.history)),
    ]);
    document.title = "民情 " + c.code + " · 民情地图";
    box.dataset.version = String(c.version);
  }

  async function reload(message) {
    var res = await MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(config.code)));
    if (res.ok) render(res.body, message);
  }

  (async function () {
    var res = await MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(config.code)));
    if (res.ok) {
      render(res.body);
      return;
    }
    box.textContent = "";
    var text = res.status === 404 ? "没有找到编号为 " + config.code + " 的民情。" :
      res.status === 403 ? "这件民情不归你管，无法查看。" : MQ.errorMessage(res);
    MQ.append(box, MQ.el("p", { class: "mq-error", role: "alert" }, text));
  })();
})();
