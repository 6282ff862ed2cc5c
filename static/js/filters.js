/* 民情地图 — the case filters form shared by /map and /heatmap, and the side panel they sit in.
 *
 * MQ.Filters(form, onChange): values() gives {from, to, channel, category, status} (only the set ones);
 * a change calls onChange(values) and mirrors the filters in the address (so reload and back keep them).
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var NAMES = ["from", "to", "channel", "category", "status"];

  MQ.Filters = function (form, onChange) {
    var self = this;
    var errorNode = form.querySelector('[data-role="filter-error"]');

    function field(name) { return form.elements.namedItem(name); }

    this.values = function () {
      var out = {};
      NAMES.forEach(function (name) {
        var node = field(name);
        if (node && node.value) out[name] = node.value;
      });
      return out;
    };

    /** The filters as query parameters (plus extra ones). */
    this.params = function (extra) {
      var params = new URLSearchParams(self.values());
      Object.keys(extra || {}).forEach(function (key) {
        if (extra[key] !== null && extra[key] !== undefined && extra[key] !== "") params.set(key, extra[key]);
      });
      return params;
    };

    function valid(values) {
      if (values.from && values.to && values.from > values.to) {
        if (errorNode) MQ.show(errorNode, "起始日期不能晚于截止日期。");
        return false;
      }
      if (errorNode) MQ.show(errorNode, "");
      return true;
    }

    function mirror(values) {
      var url = new URL(window.location.href);
      NAMES.forEach(function (name) {
        if (values[name]) url.searchParams.set(name, values[name]);
        else url.searchParams.delete(name);
      });
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }

    function changed() {
      var values = self.values();
      if (!valid(values)) return;
      mirror(values);
      onChange(values);
    }

    /* Restore from the address: only values the form offers (a select keeps its value only if it is an option). */
    var query = new URLSearchParams(window.location.search);
    NAMES.forEach(function (name) {
      var node = field(name);
      var value = query.get(name);
      if (!node || !value) return;
      if (node.tagName === "SELECT") {
        if (Array.prototype.some.call(node.options, function (o) { return o.value === value; })) node.value = value;
      } else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        node.value = value;
      }
    });

    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) { event.preventDefault(); changed(); });
    form.addEventListener("reset", function () { window.setTimeout(changed, 0); });
    return self;
  };

  /** The side panel: a column on wide screens, a sheet over the map on a phone (toggled). */
  MQ.sidePanel = function (map) {
    var side = document.getElementById("mq-side");
    var toggle = document.getElementById("mq-side-toggle");
    var close = document.getElementById("mq-side-close");
    if (!side || !toggle) return;
    function set(open) {
      document.body.classList.toggle("mq-side-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (map) window.setTimeout(function () { map.invalidateSize(); }, 0);
    }
    toggle.addEventListener("click", function () { set(!document.body.classList.contains("mq-side-open")); });
    if (close) close.addEventListener("click", function () { set(false); });
  };

  /** "YYYY-MM-DD" of a Date in China time (the API reads plain dates as China days). */
  MQ.chinaDay = function (date) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
      day: "2-digit" }).format(date);
  };
})();
