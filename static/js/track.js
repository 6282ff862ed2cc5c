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
      MQ.el("h2", null, "查询码 ", MQ.el("span", { class: "mq-code", "data-role": "tracking-code" }, body.tracking_code)),
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

  (async function () {
    var res = await MQ.fetchJSON(MQ.api("/track/" + encodeURIComponent(code)));
    if (res.ok) {
      render(res.body);
      return;
    }
    box.textContent = "";
    var message = res.status === 404 ? "没有找到查询码为 " + code + " 的民情，请核对查询码后再查。" : MQ.errorMessage(res);
    MQ.append(box, MQ.el("p", { class: "mq-error", role: "alert" }, message));
  })();
})();
