/* 民情地图 /track/<tracking code> — a case's public status, from GET /api/v1/track/<tracking code>. */
(function () {
  "use strict";

  var MQ = window.MQ;
  var code = MQ.config.code;
  var box = document.getElementById("mq-track-result");
  if (!code || !box) return;

  function render(body) {
    box.textContent = "";
    MQ.append(box, [
      MQ.el("h2", null, "查询码 ", MQ.el("span", { class: "mq-code", "data-role": "tracking-code" }, body.tracking_code),
        " ", MQ.copyButton(body.tracking_code, "复制查询码")),
      MQ.el("p", { class: "mq-status-badge", "data-status": body.status, "data-role": "status-label" },
        body.status_label || body.status),
      MQ.el("dl", { class: "mq-track-facts" },
        body.category ? [MQ.el("dt", null, "类别"), MQ.el("dd", null, body.category.label || body.category.code)] : null,
        MQ.el("dt", null, "受理时间"), MQ.el("dd", null, MQ.formatTime(body.received_at)),
        body.resolution_note ? [MQ.el("dt", null, "办结说明"),
          MQ.el("dd", { "data-role": "resolution-note" }, body.resolution_note)] : null),
      (body.photos || []).length ? [MQ.el("h3", null, "照片"), MQ.photoStrip(body.photos)] : null,
      MQ.el("h3", null, "办理记录"),
      MQ.el("ol", { class: "mq-timeline" }, (body.history || []).map(function (step) {
        return MQ.el("li", { dataset: { status: step.status } },
          MQ.el("time", { datetime: step.at }, MQ.formatTime(step.at)), " ",
          MQ.el("b", null, step.status_label || step.status));
      })),
    ]);
  }

  /* A staff case number (MQ-2026-000123, any case) is not a 查询码: say so instead of "not found". Said from the
     form of what was typed only, so it tells nothing about whether such a case exists. */
  var CASE_NUMBER = /^\s*mq[\s\-_]*\d{4}[\s\-_]*\d+\s*$/i;

  function notFound(typed) {
    if (CASE_NUMBER.test(typed)) {
      return typed + " 是案件编号，不是查询码。请输入登记时得到的 10 位查询码（例如 K7QM4-XD29P），不分大小写。";
    }
    return "没有找到查询码为 " + typed + " 的民情，请核对查询码后再查。";
  }

  (async function () {
    var res = await MQ.fetchJSON(MQ.api("/track/" + encodeURIComponent(code)));
    if (res.ok) {
      render(res.body);
      return;
    }
    box.textContent = "";
    var message = res.status === 404 ? notFound(code) : MQ.errorMessage(res);
    MQ.append(box, MQ.el("p", { class: "mq-error", role: "alert" }, message));
  })();
})();
