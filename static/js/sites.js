/* 民情地图 /sites — the public red education map: nearest sites, site cards, "report a problem here". */
(function () {
  "use strict";

  var MQ = window.MQ;
  var map = MQ.map;
  if (!map) return;
  var layers = MQ.config.layers || {};
  var sitesLayer = window[layers.sites];
  var routeLayer = window[layers.route];
  var state = { picking: false, here: null, reportMarker: null };
  var $ = function (id) { return document.getElementById(id); };
  var caseForm = new MQ.CaseForm({
    channel: MQ.config.channel,
    onClose: function () {
      if (state.reportMarker) map.removeLayer(state.reportMarker);
      state.reportMarker = null;
    },
  });

  /* The legend stays under the map (in the page flow): on a phone a map control would cover the map. */

  /* ---------------------------------------------------- site on the map */

  function siteLayer(code) {
    var found = null;
    [sitesLayer, routeLayer].forEach(function (group) {
      if (!group || found) return;
      group.eachLayer(function (layer) {
        if (!found && layer.feature && layer.feature.properties.code === code) found = layer;
      });
    });
    return found;
  }

  function showSite(code) {
    var layer = siteLayer(code);
    if (!layer) return;
    map.getContainer().scrollIntoView({ behavior: "smooth", block: "center" });
    var at;
    if (layer.getBounds) {
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 18, animate: false });
      at = layer.getBounds().getCenter();
    } else {
      at = layer.getLatLng();
      map.setView(at, Math.max(map.getZoom(), 17), { animate: false });
    }
    /* folium binds the popup to the GeoJSON group: a click on the feature opens its own content. */
    layer.fire("click", { latlng: at }, true);
  }
  MQ.showSite = showSite;

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-show-site]");
    if (button) showSite(button.getAttribute("data-show-site"));
  });

  /* ----------------------------------------------------------- locate */

  function renderNearest(sites) {
    var list = $("mq-nearest");
    list.textContent = "";
    sites.forEach(function (site) {
      MQ.append(list, MQ.el("li", { dataset: { code: site.code } },
        MQ.el("button", { type: "button", class: "mq-link", "data-show-site": site.code }, site.name),
        " ", MQ.el("span", { class: "mq-kind" }, site.kind_label),
        MQ.el("div", { class: "mq-walk" }, MQ.formatWalk(site.distance_m)),
        site.opening_hours ? MQ.el("div", { class: "mq-muted" }, "开放时间：" + site.opening_hours) : null));
    });
    list.hidden = sites.length === 0;
  }

  async function nearestTo(lat, lon) {
    var status = $("mq-locate-status");
    var query = new URLSearchParams({ lat: MQ.round7(lat), lon: MQ.round7(lon), limit: 5 });
    var res = await MQ.fetchJSON(MQ.api("/sites/nearest?" + query.toString()));
    if (!res.ok) {
      MQ.show(status, MQ.errorMessage(res));
      return;
    }
    MQ.show(status, res.body.sites.length ? "离你最近的阵地：" : "附近没有阵地。");
    renderNearest(res.body.sites);
    var here = MQ.toDisplay(lat, lon);
    if (state.here) map.removeLayer(state.here);
    /* Green, ringed and haloed: not a site's colour (骑手之家 is blue), above every site marker. */
    var icon = L.divIcon({ className: "mq-here", iconSize: [22, 22], iconAnchor: [11, 11] });
    state.here = L.marker(here, { icon: icon, title: "我的位置", alt: "我的位置", keyboard: false,
      zIndexOffset: 1000 }).bindTooltip("我的位置", { permanent: true, direction: "top", offset: [0, -12] }).addTo(map);
    var bounds = L.latLngBounds([here]);
    if (res.body.sites.length) {
      var p = res.body.sites[0].nearest_point;
      bounds.extend(MQ.toDisplay(p.lat, p.lon));
    }
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: 18, animate: false });
  }
  MQ.nearestTo = nearestTo;

  $("mq-locate").addEventListener("click", function () {
    var status = $("mq-locate-status");
    if (!navigator.geolocation) {
      MQ.show(status, "此浏览器不支持定位。");
      return;
    }
    MQ.show(status, "正在定位…");
    navigator.geolocation.getCurrentPosition(
      function (position) { nearestTo(position.coords.latitude, position.coords.longitude); },
      function (error) {
        var reasons = { 1: "未获得定位权限", 2: "无法确定位置", 3: "定位超时" };
        MQ.show(status, "定位失败：" + (reasons[error.code] || "原因不明") + "。可在地图上查看各阵地位置。");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  /* ----------------------------------------------------------- report */

  function setPicking(on) {
    state.picking = on;
    $("mq-pick-banner").hidden = !on;
    map.getContainer().classList.toggle("mq-picking", on);
  }

  $("mq-report").addEventListener("click", function () {
    setPicking(true);
    map.getContainer().scrollIntoView({ behavior: "smooth", block: "center" });
  });
  $("mq-pick-cancel").addEventListener("click", function () { setPicking(false); });

  /* The resident's point goes straight into the case; the lookup only names the place on the form. The server
     places the case and answers outside_community when the point is not in any community. */
  map.on("click", function (event) {
    if (!state.picking) return;
    setPicking(false);
    map.closePopup();
    var point = MQ.toWgs84(event.latlng);
    if (state.reportMarker) map.removeLayer(state.reportMarker);
    state.reportMarker = L.circleMarker(event.latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#c62828",
      fillOpacity: 1 }).addTo(map);
    /* The place is shown by its names ("明珠花园1栋 · 书院巷") as soon as the lookup answers. */
    caseForm.open({ lat: point.lat, lon: point.lon, place: "正在查询地点…", placeLookup: MQ.place(event.latlng) });
  });
})();
