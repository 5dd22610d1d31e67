// The map page: an offline basemap (Natural Earth via world-atlas, TopoJSON turned
// into GeoJSON with topojson-client) in Leaflet, no tile server; tracks and
// encounters from /ui/map.json on top. Other pages' layers attach to
// window.detenteMap.map and window.detenteMap.layers.
(function () {
  "use strict";

  function partyClass(party, own) {
    if (!party) return "track-unknown";
    return party === own ? "track-own" : "track-peer";
  }

  function drawLayers(map, data, own, status, emptyText) {
    var tracks = L.layerGroup().addTo(map);
    var encounters = L.layerGroup().addTo(map);
    data.tracks.forEach(function (t) {
      L.circleMarker([t.lat_deg, t.lon_deg], { radius: 5, className: partyClass(t.party, own) })
        .bindTooltip((t.name || t.track) + " (" + (t.party || "?") + ")")
        .addTo(tracks);
    });
    data.encounters.forEach(function (e) {
      if (!e.a || !e.b) return;
      L.polyline([e.a, e.b], { className: "encounter level-" + e.level + (e.open ? " open" : "") })
        .bindTooltip(e.level + ": " + e.track_a + " / " + e.track_b + ", " + Math.round(e.closest_m) + " m")
        .addTo(encounters);
    });
    if (!data.tracks.length && !data.encounters.length) status.textContent = emptyText;
    window.detenteMap.layers.tracks = tracks;
    window.detenteMap.layers.encounters = encounters;
    var points = data.tracks.map(function (t) { return [t.lat_deg, t.lon_deg]; });
    if (points.length) map.fitBounds(points, { maxZoom: 6, padding: [30, 30] });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    var status = document.getElementById("map-status");
    if (!el) return;
    if (!window.L || !window.topojson) {
      el.classList.add("unavailable");
      return;
    }
    var map = L.map(el, { worldCopyJump: true, attributionControl: false, minZoom: 2 })
      .setView([20, 125], 4);
    window.detenteMap = { map: map, layers: {} };
    fetch(el.dataset.basemap, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (topo) {
        var countries = topojson.feature(topo, topo.objects.countries);
        var layer = L.geoJSON(countries, { style: { className: "land", weight: 0.6 } }).addTo(map);
        layer.bringToBack();
        el.dataset.basemapLoaded = String(countries.features.length);
      });
    fetch(el.dataset.layers, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { drawLayers(map, data, el.dataset.party, status, el.dataset.empty); });
  });
})();
