/* 民情地图: draw a large community's units from vector tiles (/tiles/{layer}/{z}/{x}/{y}.mvt).
 *
 * The page's config carries `tiles`: {url, minzoom, maxzoom, layers: [{layer, label, style}]}, layers bottom
 * first (geo_app/maps/tiled.py), and `layers.control`, the layers control. One VectorGrid fetches one tile per
 * place (every unit kind in it, one MVT layer each), and each kind gets its own switch in the control, which
 * hides the kind by giving it no style. A small community has no `tiles`: its units are embedded as GeoJSON
 * and this file does nothing. Tiles come from this host with the page's session (fetch sends its cookie); an
 * empty tile is a 204. Clicks go through to the map, whose own handler looks up who answers for the point,
 * exactly as over the embedded units.
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var spec = MQ && MQ.config.tiles;
  if (!MQ || !MQ.map || !spec || !window.L || !L.vectorGrid) return;
  var map = MQ.map;
  var control = window[(MQ.config.layers || {}).control];
  var tip = L.tooltip({ sticky: true, className: "mq-tooltip", direction: "top", offset: [0, -6] });
  var styles = {};
  var labels = {};
  spec.layers.forEach(function (kind) {
    styles[kind.layer] = kind.style;
    labels[kind.layer] = kind.label;
  });

  var grid = L.vectorGrid.protobuf(spec.url, {
    rendererFactory: L.svg.tile,
    vectorTileLayerStyles: styles,
    interactive: true,
    minZoom: spec.minzoom,
    maxNativeZoom: spec.maxzoom,
    pane: "overlayPane",
  });

  function tooltipContent(props) {
    return MQ.el("div", { class: "mq-tip" },
      MQ.el("b", null, props.name || ""), " ",
      MQ.el("span", { class: "mq-muted" }, (props.kind_label || "") + (props.code ? " " + props.code : "")),
      props.people ? MQ.el("div", null, props.people) : null);
  }

  grid.on("mouseover", function (event) {
    tip.setLatLng(event.latlng).setContent(tooltipContent(event.layer.properties || {}));
    map.openTooltip(tip);
  });
  grid.on("mouseout", function () { map.closeTooltip(tip); });
  grid.addTo(map);

  /* One switch per kind: an empty layer group in the control; switching it off gives the kind no style. */
  var switches = {};
  spec.layers.forEach(function (kind) {
    var group = L.layerGroup().addTo(map);
    switches[L.stamp(group)] = kind.layer;
    if (control) control.addOverlay(group, kind.label);
  });

  function toggle(event, shown) {
    var layer = switches[L.stamp(event.layer)];
    if (!layer) return;
    styles[layer] = shown ? spec.layers.filter(function (k) { return k.layer === layer; })[0].style : [];
    grid.redraw();
  }
  map.on("overlayadd", function (event) { toggle(event, true); });
  map.on("overlayremove", function (event) { toggle(event, false); });

  MQ.tiles = { grid: grid, labels: labels };
})();
