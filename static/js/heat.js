/* 民情地图 — a Leaflet.heat layer fed only by GET /api/v1/heat (cells aggregated on the server).
 *
 * new MQ.HeatView(map, layer, {community}) ; view.load(filters) → {ok, cells, total, cell_m, url}
 * Each request carries the filters, the zoom (rounded) and the view's bbox (WGS-84, padded); answers are
 * cached by URL, so the month animation and going back to a view cost nothing the second time.
 */
(function () {
  "use strict";

  var MQ = window.MQ;
  var EARTH_CIRCUMFERENCE_M = 40075016.686;
  var CACHE_SIZE = 300;

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  function round(value, places) {
    var f = Math.pow(10, places);
    return Math.round(value * f) / f;
  }

  MQ.HeatView = function (map, layer, options) {
    options = options || {};
    var cache = new Map();
    var seq = 0;
    var self = this;
    this.last = null;

    /** The bbox of the view (padded a fifth each side) in WGS-84: "minlon,minlat,maxlon,maxlat". */
    this.bbox = function () {
      var bounds = map.getBounds().pad(0.2);
      var sw = MQ.toWgs84(bounds.getSouthWest());
      var ne = MQ.toWgs84(bounds.getNorthEast());
      var minLon = clamp(round(sw.lon, 4), -180, 179.9999), maxLon = clamp(round(ne.lon, 4), minLon + 0.0001, 180);
      var minLat = clamp(round(sw.lat, 4), -90, 89.9999), maxLat = clamp(round(ne.lat, 4), minLat + 0.0001, 90);
      return [minLon, minLat, maxLon, maxLat].join(",");
    };

    this.zoom = function () {
      return clamp(Math.round(map.getZoom()), 1, 20);
    };

    this.url = function (filters) {
      var params = new URLSearchParams(filters || {});
      if (options.community) params.set("community", options.community);
      params.set("zoom", self.zoom());
      params.set("bbox", self.bbox());
      return MQ.api("/heat?" + params.toString());
    };

    /** Size the heat blobs to the server's cells at the current zoom. */
    function fitRadius(cellM) {
      var lat = map.getCenter().lat;
      var metresPerPixel = EARTH_CIRCUMFERENCE_M * Math.cos(lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8);
      var cellPx = cellM / metresPerPixel;
      var radius = clamp(cellPx * 0.9, 8, 60);
      layer.setOptions({ radius: radius, blur: radius * 0.75 });
    }

    function draw(body) {
      var points = body.cells.map(function (cell) {
        var p = MQ.toDisplay(cell[0], cell[1]);
        return L.latLng(p.lat, p.lng, cell[2]);
      });
      fitRadius(body.cell_m);
      layer.setLatLngs(points);
    }

    async function fetchCells(url) {
      if (cache.has(url)) return { ok: true, body: cache.get(url) };
      var res = await MQ.fetchJSON(url);
      if (res.ok) {
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
        cache.set(url, res.body);
      }
      return res;
    }

    /** Fetch (or reuse) the cells for filters in this view; draw them unless a newer load started. */
    this.load = async function (filters) {
      var mine = ++seq;
      var url = self.url(filters);
      var res = await fetchCells(url);
      if (mine !== seq) return { ok: false, stale: true };
      if (!res.ok) return { ok: false, message: MQ.errorMessage(res), url: url };
      draw(res.body);
      var total = res.body.cells.reduce(function (sum, cell) { return sum + cell[2]; }, 0);
      self.last = { ok: true, cells: res.body.cells.length, total: total, cell_m: res.body.cell_m, url: url };
      return self.last;
    };

    /** Warm the cache for filters (the next animation frame) without drawing. */
    this.prefetch = function (filters) {
      return fetchCells(self.url(filters));
    };

    this.clear = function () {
      seq++;
      layer.setLatLngs([]);
    };
  };
})();
