// The map page: an offline basemap (Natural Earth via world-atlas, TopoJSON turned
// into GeoJSON with topojson-client) in Leaflet, no tile server; on top, from
// /ui/map.json: tracks, encounters with each unit's predicted run to the closest
// point of approach, activity volumes (notices and our plans) and conflicts.
// The replay slider asks /ui/map.json?at=<epoch> and redraws. Other pages' layers
// attach to window.detenteMap.map and window.detenteMap.layers.
(function () {
  "use strict";

  var LAYERS = ["volumes", "conflicts", "tracks", "cpa", "encounters"];

  function partyClass(party, own, prefix) {
    var p = prefix || "track";
    if (!party) return p + "-unknown";
    return party === own ? p + "-own" : p + "-peer";
  }

  function lonLatToLatLng(ring) {
    return ring.map(function (p) { return [p[1], p[0]]; });
  }

  function shape(geometry, circle, options) {
    if (circle && circle.center) {
      return L.circle([circle.center[1], circle.center[0]], Object.assign({ radius: circle.radius_m }, options));
    }
    if (!geometry || !geometry.coordinates) return null;
    if (geometry.type === "Polygon") return L.polygon(geometry.coordinates.map(lonLatToLatLng), options);
    if (geometry.type === "MultiPolygon") {
      return L.polygon(geometry.coordinates.map(function (poly) { return poly.map(lonLatToLatLng); }), options);
    }
    return null;
  }

  function windowText(w) {
    if (!w) return "";
    return " [" + (w.start || "…") + " – " + (w.end || "…") + "]";
  }

  function clearLayers(map) {
    LAYERS.forEach(function (name) {
      var layer = window.detenteMap.layers[name];
      if (layer) map.removeLayer(layer);
    });
  }

  function drawLayers(map, data, own, status, emptyText, fit) {
    clearLayers(map);
    var groups = {};
    LAYERS.forEach(function (name) { groups[name] = L.layerGroup().addTo(map); });
    (data.volumes || []).forEach(function (v) {
      var cls = "volume " + partyClass(v.party, own, "volume") + (v.source === "plan" ? " plan" : "");
      var layer = shape(v.polygon, v.circle, { className: cls });
      if (layer) layer.bindTooltip(v.title + " (" + v.party + ", " + v.kind + ")" + windowText(v.window)).addTo(groups.volumes);
    });
    (data.conflicts || []).forEach(function (c) {
      var layer = shape(c.region, null, { className: "conflict" });
      if (layer) layer.bindTooltip((c.a_title || "") + " × " + (c.b_title || "") + windowText(c.window)).addTo(groups.conflicts);
    });
    (data.tracks || []).forEach(function (t) {
      var cls = partyClass(t.party, own) + (t.stale ? " stale" : "");
      var silent = t.stale ? ", last report " + utc(t.t) : "";
      L.circleMarker([t.lat_deg, t.lon_deg], { radius: 5, className: cls })
        .bindTooltip((t.name || t.track) + " (" + (t.party || "?") + ")" + silent)
        .addTo(groups.tracks);
    });
    (data.encounters || []).forEach(function (e) {
      (e.cpa_lines || []).forEach(function (line) {
        L.polyline(line.path, { className: "cpa-line " + partyClass(line.party, own, "cpa") })
          .bindTooltip(line.track + " → CPA " + Math.round(e.tcpa_s) + " s")
          .addTo(groups.cpa);
      });
      if (e.a && e.b) {
        L.polyline([e.a, e.b], { className: "encounter level-" + e.level + (e.open ? " open" : "") })
          .addTo(groups.encounters);
        var mid = [(e.a[0] + e.b[0]) / 2, (e.a[1] + e.b[1]) / 2];
        var cpa = e.cpa_m === null ? Math.round(e.closest_m) : Math.round(e.cpa_m);
        L.circleMarker(mid, { radius: 9, className: "encounter-mark level-" + e.level })
          .bindTooltip(e.level + ": " + e.track_a + " / " + e.track_b + ", CPA " + cpa + " m")
          .addTo(groups.encounters);
      }
    });
    var empty = !(data.tracks || []).length && !(data.encounters || []).length &&
      !(data.volumes || []).length && !(data.conflicts || []).length;
    status.textContent = empty ? emptyText : "";
    LAYERS.forEach(function (name) { window.detenteMap.layers[name] = groups[name]; });
    if (!fit) return;
    var points = (data.tracks || []).map(function (t) { return [t.lat_deg, t.lon_deg]; });
    (data.volumes || []).forEach(function (v) {
      if (v.polygon && v.polygon.type === "Polygon") points = points.concat(lonLatToLatLng(v.polygon.coordinates[0]));
    });
    if (points.length) map.fitBounds(points, { maxZoom: 8, padding: [30, 30], animate: false });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function utc(t) {
    var d = new Date(t * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + "Z";
  }

  function setupReplay(load) {
    var slider = document.getElementById("replay-at");
    var label = document.getElementById("replay-time");
    var live = document.getElementById("replay-live");
    if (!slider || !label || !live) return;
    var span = parseFloat(document.getElementById("replay").dataset.spanS);
    var timer = null;
    slider.addEventListener("input", function () {
      var back = span - parseFloat(slider.value);
      if (back <= 0) {
        label.textContent = label.dataset.live;
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { load(null); }, 200);
        return;
      }
      var at = Date.now() / 1000 - back;
      label.textContent = utc(at);
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { load(at); }, 200);
    });
    live.addEventListener("click", function () {
      slider.value = String(span);
      label.textContent = label.dataset.live;
      load(null);
    });
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
    var first = true;
    var replayAt = null;
    function load(at) {
      replayAt = at;
      var url = el.dataset.layers + (at === null ? "" : "?at=" + encodeURIComponent(at.toFixed(0)));
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          drawLayers(map, data, el.dataset.party, status, el.dataset.empty, first);
          first = false;
          el.dataset.layersLoaded = "1";
        });
    }
    load(null);
    setupReplay(load);
    // Live mode follows new entries (alerts, notices) as the event stream announces them.
    document.body.addEventListener("live-entries", function () { if (replayAt === null) load(null); });
  });
})();
