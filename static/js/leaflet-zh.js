/* 民情地图: Leaflet's own words in Chinese, for every map of every page (loaded after leaflet.js, before a map is
   built). Zoom buttons, the layers control, the popup's close button, a metric-only scale, and an attribution
   prefix without Leaflet 1.9's national flag. */
(function () {
  "use strict";

  var L = window.L;
  if (!L) return;

  L.Control.Zoom.mergeOptions({ zoomInTitle: "放大", zoomOutTitle: "缩小" });
  L.Control.Scale.mergeOptions({ metric: true, imperial: false });
  L.Control.Attribution.mergeOptions({ prefix: "Leaflet" });

  /* metres as 米 and 公里 */
  L.Control.Scale.include({
    _updateMetric: function (maxMeters) {
      var meters = this._getRoundNum(maxMeters);
      var label = meters < 1000 ? meters + " 米" : meters / 1000 + " 公里";
      this._updateScale(this._mScale, label, meters / maxMeters);
    },
  });

  var layersLayout = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.include({
    _initLayout: function () {
      layersLayout.apply(this, arguments);
      if (this._layersLink) {
        this._layersLink.title = "图层";
        this._layersLink.setAttribute("aria-label", "图层");
      }
    },
  });

  var popupLayout = L.Popup.prototype._initLayout;
  L.Popup.include({
    _initLayout: function () {
      popupLayout.apply(this, arguments);
      var close = this._closeButton;
      if (close) {
        close.title = "关闭";
        close.setAttribute("aria-label", "关闭");
      }
    },
  });
})();
