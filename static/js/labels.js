/* 民情地图: name labels from our own layers (MQ.config.unit_labels, built by geo_app/maps/labels.py), so a map
 * without a basemap is readable: street and lane names turned along their strips, building names from zoom 17.
 * Labels sit in their own pane and let every click through to the units and markers below them.
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var map = MQ && MQ.map;
  var labels = MQ && MQ.config.unit_labels;
  if (!map || !labels || !labels.length) return;

  var pane = map.createPane("mq-labels");
  pane.style.zIndex = 450; /* above the units (overlay 400), under the markers (600) and popups */
  pane.style.pointerEvents = "none";

  function labelMarker(label) {
    var text = MQ.el("span", { class: "mq-label mq-label-" + label.kind,
      style: label.angle ? "transform: translate(-50%, -50%) rotate(" + (-label.angle) + "deg)" : null }, label.name);
    var icon = L.divIcon({ html: text, className: "mq-label-icon", iconSize: null });
    var marker = L.marker([label.lat, label.lon], { icon: icon, interactive: false, keyboard: false, pane: "mq-labels" });
    marker.mqLabel = label;
    return marker;
  }

  var markers = labels.map(labelMarker);
  var group = L.layerGroup().addTo(map);

  function update() {
    var zoom = map.getZoom();
    markers.forEach(function (marker) {
      var show = zoom >= marker.mqLabel.min_zoom;
      if (show && !group.hasLayer(marker)) group.addLayer(marker);
      else if (!show && group.hasLayer(marker)) group.removeLayer(marker);
    });
    document.body.dataset.labelsShown = String(group.getLayers().length);
  }
  map.on("zoomend", update);
  update();
  MQ.labels = { group: group, update: update };
})();
