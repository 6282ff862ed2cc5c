/* 民情地图: shared page helpers (config, DOM building, API calls, coordinates, the case form).
 *
 * Text from the server is always put into the page with textContent (MQ.el), never as HTML.
 * Plain ES2017, no build step: this file is served as is from /static/js/.
 */
(function () {
  "use strict";

  var MQ = (window.MQ = window.MQ || {});
  var configNode = document.getElementById("mq-config");
  MQ.config = configNode ? JSON.parse(configNode.textContent) : {};
  /* folium declares the map as a global variable; the map script runs before this file. */
  var candidate = MQ.config.map ? window[MQ.config.map] : null;
  MQ.map = window.L && candidate instanceof L.Map ? candidate : null;

  /* ------------------------------------------------------------------ DOM */

  /** Build an element: MQ.el("li", {class: "x", dataset: {code: "A"}}, "text", childNode, …). */
  MQ.el = function (tag, attrs) {
    var node = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] === null || attrs[key] === undefined) {
        continue;
      }
      if (key === "class") node.className = attrs[key];
      else if (key === "dataset") Object.assign(node.dataset, attrs[key]);
      else if (key === "hidden") node.hidden = !!attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) MQ.append(node, arguments[i]);
    return node;
  };

  MQ.append = function (node, child) {
    if (child === null || child === undefined || child === false) return node;
    if (Array.isArray(child)) child.forEach(function (c) { MQ.append(node, c); });
    else node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  };

  MQ.show = function (node, text) {
    node.textContent = text;
    node.hidden = !text;
  };

  /* ------------------------------------------------------------------ API */

  function csrfHeader() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? { "X-CSRFToken": meta.getAttribute("content") } : {};
  }

  /** How many MQ.fetchJSON calls are in flight: 0 once every answer asked for so far has been handled (the browser
   *  tests read a page when it is back to 0 after the load event, instead of waiting for the network to go quiet). */
  MQ.pending = 0;

  /** fetch() a JSON endpoint on this host; resolves to {ok, status, body}, never rejects. */
  MQ.fetchJSON = async function (url, options) {
    MQ.pending++;
    try {
      return await fetchJSON(url, options || {});
    } finally {
      MQ.pending--;
    }
  };

  async function fetchJSON(url, options) {
    var headers = Object.assign({ Accept: "application/json" }, csrfHeader(), options.headers || {});
    var init = { method: options.method || "GET", headers: headers, credentials: "same-origin" };
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      init.body = options.form;  // FormData: the browser sets multipart/form-data with its boundary
    }
    var response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      return { ok: false, status: 0, body: { error: "network", message: "网络连接失败，请稍后再试" } };
    }
    var body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = { error: "bad_response", message: "服务器返回了无法识别的内容（" + response.status + "）" };
    }
    return { ok: response.ok, status: response.status, body: body };
  }

  MQ.api = function (path) {
    return (MQ.config.api || "/api/v1") + path;
  };

  /** A Chinese message for a failed call (the server's message when it sent one). */
  MQ.errorMessage = function (res) {
    var body = res.body || {};
    if (res.status === 0) return body.message;
    if (body.error === "outside_community") return "该位置不在社区范围内，请在社区内选点。";
    if (res.status === 404 && body.error === "not_found" && !body.field) return "未找到（" + (body.user_message || MQ.chineseOnly(body.message) || "404") + "）";
    if (res.status === 409 && (body.error === "version_mismatch" || !body.message)) return "该记录已被他人更新，请刷新后重试。";
    if (res.status === 429) return "操作太频繁，请稍后再试。";
    if (res.status >= 500) return "服务器出错了，请稍后再试（" + res.status + "）。";
    return body.user_message || MQ.chineseOnly(body.message) || "请求失败（" + res.status + "）";
  };

  /** The Chinese sentence of a message, without the English a developer reads in parentheses after it. */
  MQ.chineseOnly = function (message) {
    if (!message || !/[\u4e00-\u9fff]/.test(message)) return "";
    return String(message).replace(/\s\((?=[A-Za-z'"]).*$/, "").trim();
  };

  /** A random key for Idempotency-Key: one per form, so a double submit makes one case. */
  MQ.newKey = function () {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  };

  /** This browser's own random id (kept in localStorage), sent beside an Idempotency-Key so that residents behind one
   *  address never share keys (geo_app/auth/clients.py). Without storage, a fresh id per page still works. */
  MQ.browserId = function () {
    var id = null;
    try { id = window.localStorage.getItem("mq-browser-id"); } catch (e) { id = null; }
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      id = MQ.newKey();
      try { window.localStorage.setItem("mq-browser-id", id); } catch (e) { /* private mode: this page only */ }
    }
    return id;
  };

  /* ---------------------------------------------------------- coordinates */

  /* GCJ-02 ("Mars" coordinates, 高德) — the same formulas as geo_app/geo/coords.py. */
  var KRASOVSKY_A = 6378245.0;
  var KRASOVSKY_EE = 0.00669342162296594323;

  function inChina(lon, lat) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function gcjOffset(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, pi = Math.PI;
    var sqrtAbsX = Math.sqrt(Math.abs(x));
    var common = (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrtAbsX + common;
    dlat += (20.0 * Math.sin(y * pi) + 40.0 * Math.sin(y / 3.0 * pi)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * pi) + 320.0 * Math.sin(y * pi / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrtAbsX + common;
    dlon += (20.0 * Math.sin(x * pi) + 40.0 * Math.sin(x / 3.0 * pi)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * pi) + 300.0 * Math.sin(x / 30.0 * pi)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * pi;
    var magic = 1.0 - KRASOVSKY_EE * Math.pow(Math.sin(radLat), 2);
    var sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtMagic) * pi);
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * pi);
    return [dlon, dlat];
  }

  MQ.coords = {
    /** [lon, lat] WGS-84 → GCJ-02 (identity outside China). */
    wgs84ToGcj02: function (lon, lat) {
      if (!inChina(lon, lat)) return [lon, lat];
      var d = gcjOffset(lon, lat);
      return [lon + d[0], lat + d[1]];
    },
    /** [lon, lat] GCJ-02 → WGS-84 by iterating the forward transform (< 1e-9°). */
    gcj02ToWgs84: function (lon, lat) {
      if (!inChina(lon, lat)) return [lon, lat];
      var wlon = lon, wlat = lat;
      for (var i = 0; i < 30; i++) {
        var d = gcjOffset(wlon, wlat);
        var errLon = wlon + d[0] - lon, errLat = wlat + d[1] - lat;
        if (Math.abs(errLon) < 1e-9 && Math.abs(errLat) < 1e-9) break;
        wlon -= errLon;
        wlat -= errLat;
      }
      return [wlon, wlat];
    },
  };

  MQ.round7 = function (value) {
    return Math.round(value * 1e7) / 1e7;
  };

  /** The WGS-84 {lat, lon} of a point on the map (maps on a GCJ-02 basemap are drawn shifted). */
  MQ.toWgs84 = function (latlng) {
    if (MQ.config.crs === "gcj02") {
      var p = MQ.coords.gcj02ToWgs84(latlng.lng, latlng.lat);
      return { lat: MQ.round7(p[1]), lon: MQ.round7(p[0]) };
    }
    return { lat: MQ.round7(latlng.lat), lon: MQ.round7(latlng.lng) };
  };

  /** The map position (L.LatLng) of a WGS-84 point. */
  MQ.toDisplay = function (lat, lon) {
    if (MQ.config.crs === "gcj02") {
      var p = MQ.coords.wgs84ToGcj02(lon, lat);
      return L.latLng(p[1], p[0]);
    }
    return L.latLng(lat, lon);
  };

  /** Call the lookup for a clicked map position; resolves to {ok, status, body}. */
  MQ.lookup = function (latlng) {
    var query = new URLSearchParams({
      lat: MQ.round7(latlng.lat), lon: MQ.round7(latlng.lng), crs: MQ.config.crs || "wgs84",
    });
    return MQ.fetchJSON(MQ.api("/lookup?" + query.toString()));
  };

  /** The place names of a lookup answer, most specific first: "明珠花园1栋 · 书院巷" (grids left out), else the community. */
  MQ.placeName = function (body) {
    var names = (body.chain || []).filter(function (unit) { return unit.kind !== "grid"; })
      .map(function (unit) { return unit.name; });
    return names.length ? names.slice(0, 2).join(" · ") : (body.community ? body.community.name : "");
  };

  /** Name a clicked map position for anyone (GET /api/v1/place: unit names, no people); resolves to {ok, status, body}. */
  MQ.place = function (latlng) {
    var query = new URLSearchParams({
      lat: MQ.round7(latlng.lat), lon: MQ.round7(latlng.lng), crs: MQ.config.crs || "wgs84",
    });
    return MQ.fetchJSON(MQ.api("/place?" + query.toString()));
  };

  /* ---------------------------------------------------------------- legend */

  /** Move a server-rendered legend into a Leaflet control. */
  MQ.legendControl = function (map, elementId, position) {
    var node = document.getElementById(elementId);
    if (!map || !node) return null;
    var Legend = L.Control.extend({
      onAdd: function () {
        L.DomEvent.disableClickPropagation(node);
        L.DomEvent.disableScrollPropagation(node);
        return node;
      },
    });
    return new Legend({ position: position || "bottomleft" }).addTo(map);
  };

  /** On a phone, fold an always-open layer control to its icon: a tap opens it, a map tap folds it. */
  MQ.compactLayers = function (map) {
    if (!map || !window.matchMedia("(max-width: 599px)").matches) return;
    var box = map.getContainer().querySelector(".leaflet-control-layers");
    if (!box) return;
    var expanded = "leaflet-control-layers-expanded";
    box.classList.remove(expanded);
    var link = box.querySelector(".leaflet-control-layers-toggle");
    if (link) link.addEventListener("click", function (event) {
      event.preventDefault();
      box.classList.add(expanded);
    });
    map.on("click", function () { box.classList.remove(expanded); });
  };

  /* ------------------------------------------------------------ case form */

  /**
   * The case form in #mq-case-overlay: open({lat, lon, place, assignee}) shows it for a WGS-84 point;
   * submit posts POST /api/v1/cases and shows the tracking code (and, with options.showCaseCode, the case number).
   * options.channel: a fixed channel (e.g. "resident" on the public page), else the form's select.
   */
  MQ.CaseForm = function (options) {
    options = options || {};
    var overlay = document.getElementById("mq-case-overlay");
    var form = document.getElementById("mq-case-form");
    if (!overlay || !form) return null;
    var part = function (role) { return form.querySelector('[data-role="' + role + '"]'); };
    var point = null;
    var key = null;
    var self = this;
    var pickerElement = part("photos");
    var photos = pickerElement && MQ.PhotoPicker ? new MQ.PhotoPicker(pickerElement) : null;
    /* A draft of what was typed survives closing the form and a reload, until the case is sent. The reporter's
       name and phone are left out of it: on a shared phone or desk they would wait for the next person. */
    var DRAFT_FIELDS = ["title", "description", "category", "channel", "urgency"];
    var draftKey = "mq-case-draft:" + (options.draftKey || window.location.pathname);

    function saveDraft() {
      var draft = {};
      DRAFT_FIELDS.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.value) draft[name] = field.value;
      });
      try {
        if (draft.title || draft.description) window.localStorage.setItem(draftKey, JSON.stringify(draft));
        else window.localStorage.removeItem(draftKey);
      } catch (e) { /* no storage: no draft */ }
    }

    function restoreDraft() {
      var draft = null;
      try { draft = JSON.parse(window.localStorage.getItem(draftKey) || "null"); } catch (e) { draft = null; }
      if (!draft) return false;
      DRAFT_FIELDS.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && typeof draft[name] === "string") field.value = draft[name];
      });
      return true;
    }

    function clearDraft() {
      try { window.localStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ }
    }
    form.addEventListener("input", saveDraft);
    form.addEventListener("change", saveDraft);

    function close() {
      if (part("result").hidden) saveDraft();
      overlay.hidden = true;
      if (options.onClose) options.onClose();
    }

    /** Show the place as names; a pending lookup (where.placeLookup, a promise of an answer) names it when it comes. */
    function showPlace(where) {
      MQ.show(part("place"), "位置：" + (where.place || "地图上选的点"));
      if (!where.placeLookup) return;
      var asked = point;
      where.placeLookup.then(function (res) {
        if (asked !== point) return;
        MQ.show(part("place"), "位置：" + (res && res.ok ? MQ.placeName(res.body) : "地图上选的点"));
      });
    }

    this.open = function (where) {
      point = { lat: MQ.round7(where.lat), lon: MQ.round7(where.lon) };
      key = MQ.newKey();
      form.reset();
      var restored = restoreDraft();
      if (photos) photos.clear();
      MQ.show(part("error"), "");
      part("result").hidden = true;
      part("result").textContent = "";
      part("submit").disabled = !!where.blocked;
      MQ.show(part("draft"), restored ? "已恢复上次未提交的内容。" : "");
      showPlace(where);
      var assignee = where.assignee;
      if (assignee) {
        var person = assignee.person;
        MQ.show(part("assignee"), person ? "将派给：" + assignee.role_label + " " + person.name
          : "此处无责任人，将由" + assignee.role_label + "受理");
      } else {
        MQ.show(part("assignee"), where.blocked ? where.blocked : "");
      }
      overlay.hidden = false;
      var first = form.querySelector('[name="title"]');
      if (first) first.focus();
    };

    this.close = close;

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!point) return;
      var data = new FormData(form);
      var payload = {
        title: String(data.get("title") || "").trim(),
        description: String(data.get("description") || "").trim(),
        channel: options.channel || String(data.get("channel") || ""),
        category: String(data.get("category") || ""),
        lat: point.lat,
        lon: point.lon,
      };
      if (data.get("urgency")) payload.urgency = String(data.get("urgency"));
      ["reporter_name", "reporter_phone"].forEach(function (field) {
        var value = String(data.get(field) || "").trim();
        if (value) payload[field] = value;
      });
      if (data.get("notify")) {
        if (!payload.reporter_phone) {
          MQ.show(part("error"), "接收办理进度短信需要填写联系电话。");
          form.querySelector('[name="reporter_phone"]').focus();
          return;
        }
        payload.notify = true;
      }
      if (!payload.category) {
        MQ.show(part("error"), "请选择类别。");
        form.querySelector('[name="category"]').focus();
        return;
      }
      if (!payload.title) {
        MQ.show(part("error"), "请填写标题。");
        form.querySelector('[name="title"]').focus();
        return;
      }
      MQ.show(part("error"), "");
      part("submit").disabled = true;
      part("submit").textContent = "提交中…";
      var headers = { "Idempotency-Key": key, "X-Browser-Id": MQ.browserId() };
      var request = { method: "POST", json: payload, headers: headers };
      if (photos && photos.files().length) {
        /* With photos: the same fields as a multipart form, plus up to 9 files named "photos". */
        var body = new FormData();
        Object.keys(payload).forEach(function (name) { body.append(name, String(payload[name])); });
        request = { method: "POST", form: photos.appendTo(body, "photos"), headers: headers };
        part("submit").textContent = "上传中…";
      }
      var res = await MQ.fetchJSON(MQ.api("/cases"), request);
      part("submit").textContent = "提交";
      if (!res.ok || !res.body || !res.body.code) {
        part("submit").disabled = false;
        MQ.show(part("error"), MQ.errorMessage(res));
        var field = res.body && res.body.field && form.querySelector('[name="' + res.body.field + '"]');
        if (field) field.focus();
        return;
      }
      /* The reporter follows the case by its tracking code on /track; staff follow it on its own page. */
      clearDraft();
      MQ.show(part("draft"), "");
      var tracking = res.body.tracking_code;
      var result = part("result");
      result.textContent = "";
      var progress = options.casePage
        ? MQ.el("a", { href: options.casePage.replace("CODE", encodeURIComponent(res.body.code)), "data-role": "case-link" }, "查看详情与办理")
        : MQ.el("a", { href: (MQ.config.track || "/track") + "/" + encodeURIComponent(tracking) }, "查看办理进度");
      MQ.append(result, tracking ? [
        MQ.el("p", null, "已登记，查询码："),
        MQ.el("p", { class: "mq-code-line" }, MQ.el("span", { class: "mq-code", "data-role": "code" }, tracking), " ",
          MQ.copyButton(tracking, "复制查询码")),
        MQ.el("p", { class: "mq-muted" }, "请记下查询码，凭码随时可查进度，不要告诉无关的人。"),
      ] : [MQ.el("p", null, "已登记。")]);
      if (options.showCaseCode) {
        MQ.append(result, MQ.el("p", { "data-role": "case-code" }, "案件编号：" + res.body.code));
      }
      MQ.append(result, MQ.el("p", null, progress));
      result.hidden = false;
      if (photos) photos.clear();
      if (options.onCreated) options.onCreated(res.body);
    });

    part("close").addEventListener("click", close);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !overlay.hidden) close();
    });
    return self;
  };

  /** A 复制 button that puts text on the clipboard and says so (查询码 on the receipt and on /track). */
  MQ.copyButton = function (text, label) {
    var button = MQ.el("button", { type: "button", class: "mq-copy", "data-role": "copy", "data-copy": text },
      label || "复制");
    button.addEventListener("click", async function () {
      var done = false;
      try {
        await navigator.clipboard.writeText(text);
        done = true;
      } catch (e) {
        /* no clipboard API (plain http): select the text for a long-press copy instead */
        var range = document.createRange();
        var code = button.previousElementSibling;
        if (code) {
          range.selectNodeContents(code);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
        }
      }
      button.textContent = done ? "已复制" : "已选中，请长按复制";
      window.setTimeout(function () { button.textContent = label || "复制"; }, 2500);
    });
    return button;
  };

  /* ------------------------------------------------------------ 大字 mode */

  (function largeText() {
    var toggle = document.getElementById("mq-large-toggle");
    if (!toggle) return;
    var root = document.documentElement;
    var sync = function () { toggle.setAttribute("aria-pressed", root.classList.contains("mq-large") ? "true" : "false"); };
    sync();
    toggle.addEventListener("click", function () {
      var on = root.classList.toggle("mq-large");
      try {
        window.localStorage.setItem("mq-large-text", on ? "1" : "0");
      } catch (e) {
        /* storage refused: large text for this page only */
      }
      sync();
      if (MQ.map) MQ.map.invalidateSize();
    });
  })();

  /* -------------------------------------------------------------- format */

  MQ.formatTime = function (iso) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso);
    return date.toLocaleString("zh-CN", { hour12: false, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit" });
  };

  /** "直线 320 米 · 步行约 4 分钟" (walking at 80 m a minute). */
  MQ.formatWalk = function (metres) {
    var distance = metres >= 1000 ? (metres / 1000).toFixed(1) + " 公里" : Math.round(metres) + " 米";
    var minutes = Math.max(1, Math.round(metres / 80));
    return "直线 " + distance + " · 步行约 " + minutes + " 分钟";
  };
})();
