/* 民情地图 /feedback/<token> — the reporter's 回访: the 办结说明, then 满意 / 基本满意 / 不满意 and a comment.
 * Reads GET /api/v1/feedback/<token>; the answer posts there once (the link is single-use).
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var config = MQ.config;
  var box = document.getElementById("mq-feedback");
  if (!box || !config.token) return;
  var url = MQ.api("/feedback/" + encodeURIComponent(config.token));

  function trackLink(code) {
    return code ? MQ.el("p", null, MQ.el("a", { href: (config.track || "/track") + "/" + encodeURIComponent(code) },
      "查看办理进度")) : null;
  }

  function thanks(body) {
    box.textContent = "";
    MQ.append(box, [
      MQ.el("h1", null, "感谢您的评价"),
      MQ.el("p", { class: "mq-result", role: "status", "data-role": "thanks" },
        body.reopened ? "您的评价是「" + body.satisfaction.label + "」，我们已安排重新办理，责任人会再与您联系。"
          : "您的评价是「" + body.satisfaction.label + "」，已记录。"),
      trackLink(body.tracking_code),
    ]);
  }

  function form(body) {
    var error = MQ.el("p", { class: "mq-error", role: "alert", hidden: true });
    var choices = (config.satisfaction || []).map(function (s) {
      return MQ.el("label", { class: "mq-choice" },
        MQ.el("input", { type: "radio", name: "satisfaction", value: s.code, required: "required" }), " ", s.label);
    });
    var node = MQ.el("form", { class: "mq-form mq-feedback-form" },
      MQ.el("fieldset", null, MQ.el("legend", null, "您对办理结果满意吗？"), choices),
      MQ.el("label", null, "意见或建议（选填）", MQ.el("textarea", { name: "comment", rows: "3", maxlength: "1000" })),
      error,
      MQ.el("div", { class: "mq-actions" }, MQ.el("button", { type: "submit", class: "mq-primary" }, "提交评价")));
    node.addEventListener("submit", async function (event) {
      event.preventDefault();
      var data = new FormData(node);
      var satisfaction = String(data.get("satisfaction") || "");
      if (!satisfaction) {
        MQ.show(error, "请选择满意、基本满意或不满意。");
        return;
      }
      node.querySelector('button[type="submit"]').disabled = true;
      var res = await MQ.fetchJSON(url, { method: "POST", json: {
        satisfaction: satisfaction, comment: String(data.get("comment") || "").trim() } });
      if (!res.ok) {
        node.querySelector('button[type="submit"]').disabled = false;
        MQ.show(error, MQ.errorMessage(res));
        return;
      }
      thanks(res.body);
    });
    return node;
  }

  function render(body) {
    box.textContent = "";
    MQ.append(box, [
      MQ.el("h1", null, "办理回访"),
      MQ.el("p", null, "您反映的「", MQ.el("b", { "data-role": "title" }, body.title), "」",
        body.answerable ? "已办结。" : "目前状态：" + body.status_label + "。"),
      MQ.el("h2", null, "办结说明"),
      MQ.el("p", { class: "mq-note", "data-role": "resolution-note" }, body.resolution_note || "（无）"),
      body.answerable ? form(body) : MQ.el("p", { class: "mq-muted" }, "民情正在办理中，办结后再请您评价。"),
      trackLink(body.tracking_code),
    ]);
  }

  (async function () {
    var res = await MQ.fetchJSON(url);
    if (res.ok) {
      render(res.body);
      return;
    }
    box.textContent = "";
    MQ.append(box, MQ.el("p", { class: "mq-error", role: "alert" },
      res.status === 404 ? "回访链接无效，请核对短信中的链接。" : MQ.errorMessage(res)));
  })();
})();
