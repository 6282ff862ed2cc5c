/* 民情地图 photos — a reusable photo picker (take or pick up to 9, thumbnails before sending) and the upload call.
 *
 *   var picker = new MQ.PhotoPicker(element);   // element: a .mq-photo-picker (see web/_photo_picker.html)
 *   picker.files()                  → the File objects chosen, in order
 *   picker.appendTo(formData, name) → adds them to a FormData under one field name ("photos" or "photo")
 *   picker.clear()                  → after a successful send (a failed send keeps them, like the typed text)
 *   MQ.photoPickerElement()         → a fresh picker element built in script (same markup as the template)
 *   MQ.evidenceSection(c, onDone)   → "照片" section of a case: thumbnails, 公开/隐藏 for cadres, adding photos by kind
 *   MQ.uploadPhotos(code, kind, files) → POST /api/v1/cases/{code}/photos (kind: report | before | after);
 *                                        resolves to {ok, status, body} like MQ.fetchJSON.
 * Nothing here reads a file's contents: the server decodes, rotates and strips every photo.
 */
(function (MQ) {
  "use strict";

  MQ.PHOTO_LIMIT = 9;
  MQ.PHOTO_MAX_BYTES = 10 * 1024 * 1024;

  MQ.PhotoPicker = function (element, options) {
    options = options || {};
    var limit = options.limit || MQ.PHOTO_LIMIT;
    var chosen = [];  // {file, url}
    var thumbs = element.querySelector('[data-role="thumbs"]');
    var message = element.querySelector('[data-role="photo-error"]');
    var inputs = element.querySelectorAll('input[type="file"]');
    var self = this;

    function say(text) {
      if (message) MQ.show(message, text || "");
    }

    function render() {
      thumbs.textContent = "";
      chosen.forEach(function (item, index) {
        var remove = MQ.el("button", { type: "button", class: "mq-photo-remove", "aria-label": "移除第 " + (index + 1) + " 张照片" }, "×");
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(item.url);
          chosen.splice(index, 1);
          say("");
          render();
        });
        thumbs.appendChild(MQ.el("figure", { class: "mq-photo-thumb", "data-role": "thumb" }, [
          MQ.el("img", { src: item.url, alt: "待上传照片 " + (index + 1) }), remove]));
      });
      element.querySelectorAll(".mq-photo-button").forEach(function (button) {
        button.classList.toggle("mq-disabled", chosen.length >= limit);
      });
    }

    function add(files) {
      var refused = [];
      Array.prototype.forEach.call(files, function (file) {
        if (chosen.length >= limit) { refused.push("最多 " + limit + " 张"); return; }
        if (file.type && file.type.indexOf("image/") !== 0) { refused.push("「" + file.name + "」不是图片"); return; }
        if (file.size > MQ.PHOTO_MAX_BYTES) { refused.push("「" + file.name + "」超过 10 兆"); return; }
        chosen.push({ file: file, url: URL.createObjectURL(file) });
      });
      say(refused.length ? "未添加：" + refused.join("；") : "");
      render();
    }

    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () {
        add(input.files);
        input.value = "";  // the same photo may be chosen again after removing it
      });
    });

    this.files = function () { return chosen.map(function (item) { return item.file; }); };
    this.appendTo = function (formData, name) {
      chosen.forEach(function (item) { formData.append(name, item.file, item.file.name || "photo.jpg"); });
      return formData;
    };
    this.clear = function () {
      chosen.forEach(function (item) { URL.revokeObjectURL(item.url); });
      chosen = [];
      say("");
      render();
    };
    return self;
  };

  /** A strip of thumbnails, each opening the display image; extra(photo) may add controls under one. */
  MQ.photoStrip = function (photos, extra) {
    return MQ.el("div", { class: "mq-photo-strip", "data-role": "photo-strip" }, photos.map(function (photo) {
      return MQ.el("figure", { class: "mq-photo", "data-photo-id": String(photo.id), "data-public": String(!!photo.public) },
        MQ.el("a", { href: photo.url, target: "_blank", rel: "noopener" },
          MQ.el("img", { src: photo.thumb_url, alt: photo.kind_label || "照片", loading: "lazy" })),
        MQ.el("figcaption", null, (photo.kind_label || "") + (photo.public === undefined ? "" : photo.public ? " · 已公开" : " · 未公开")),
        extra ? extra(photo) : null);
    }));
  };

  MQ.photoPickerElement = function () {
    function button(text, attrs) {
      return MQ.el("label", { class: "mq-photo-button" }, text,
        MQ.el("input", Object.assign({ class: "mq-file-input", type: "file", accept: "image/*" }, attrs)));
    }
    return MQ.el("fieldset", { class: "mq-photo-picker", "data-role": "photos" },
      MQ.el("legend", null, "照片 ", MQ.el("small", null, "（最多 9 张，每张不超过 10 兆）")),
      MQ.el("div", { class: "mq-photo-thumbs", "data-role": "thumbs" }),
      MQ.el("div", { class: "mq-photo-buttons" },
        button("拍照", { name: "photo_camera", capture: "environment" }), button("从相册选择", { name: "photo_pick", multiple: "multiple" })),
      MQ.el("p", { class: "mq-error", "data-role": "photo-error", role: "alert", hidden: true }));
  };

  var KINDS = [["after", "处置后"], ["before", "处置前"], ["report", "上报照片"]];

  /** The photos of a case (its JSON from /api/v1/cases/{code}) with moderation and adding; onDone(message) reloads. */
  MQ.evidenceSection = function (c, onDone) {
    var error = MQ.el("p", { class: "mq-error", role: "alert", hidden: true });
    function visibility(photo) {
      if (!c.may_publish_photos) return null;
      var publish = !photo.public;
      return MQ.el("button", { type: "button", "data-role": publish ? "publish" : "hide", onclick: async function (event) {
        event.target.disabled = true;
        var res = await MQ.fetchJSON(MQ.api("/photos/" + photo.id + (publish ? "/publish" : "/hide")), { method: "POST" });
        if (!res.ok) { event.target.disabled = false; MQ.show(error, MQ.errorMessage(res)); return; }
        onDone(publish ? "照片已公开" : "照片已隐藏");
      } }, publish ? "公开" : "隐藏");
    }
    var pickerElement = MQ.photoPickerElement();
    var picker = new MQ.PhotoPicker(pickerElement);
    var kind = MQ.el("select", { name: "kind" }, KINDS.map(function (k) { return MQ.el("option", { value: k[0] }, k[1]); }));
    var send = MQ.el("button", { type: "button", class: "mq-primary", "data-role": "upload-photos", onclick: async function () {
      var files = picker.files();
      if (!files.length) { MQ.show(error, "请先拍照或选择照片。"); return; }
      send.disabled = true;
      send.textContent = "上传中…";
      var res = await MQ.uploadPhotos(c.code, kind.value, files);
      send.disabled = false;
      send.textContent = "上传照片";
      if (!res.ok) { MQ.show(error, MQ.errorMessage(res)); return; }  /* the chosen photos stay for another try */
      picker.clear();
      onDone("已上传 " + res.body.photos.length + " 张照片");
    } }, "上传照片");
    var photos = c.photos || [];
    return MQ.el("section", { class: "mq-case-photos", "data-role": "case-photos" },
      MQ.el("h2", null, "照片"),
      photos.length ? MQ.photoStrip(photos, visibility) : MQ.el("p", { class: "mq-muted" }, "还没有照片。"),
      MQ.el("div", { class: "mq-form mq-photo-add" }, MQ.el("label", null, "照片类别", kind), pickerElement, error,
        MQ.el("div", { class: "mq-actions" }, send)));
  };

  MQ.uploadPhotos = function (code, kind, files) {
    var data = new FormData();
    data.append("kind", kind);
    Array.prototype.forEach.call(files, function (file) { data.append("photo", file, file.name || "photo.jpg"); });
    return MQ.fetchJSON(MQ.api("/cases/" + encodeURIComponent(code) + "/photos"), { method: "POST", form: data });
  };
})(window.MQ);
