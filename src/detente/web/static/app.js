// Détente dashboard: live updates, deadline countdowns and keyboard shortcuts.
// Our own code, loaded from 'self' (the CSP allows no inline script).
// Live updates: the server's event stream names a topic ("entries", "alarms",
// "delivery"); we turn each into an htmx trigger "live-<topic>" on <body>, and
// page regions declare hx-trigger="live-entries from:body" to re-fetch themselves.
(function () {
  "use strict";

  var TOPICS = ["entries", "alarms", "delivery"];

  function setLive(on) {
    var badge = document.getElementById("live");
    if (!badge) return;
    badge.textContent = on ? badge.dataset.on : badge.dataset.off;
    badge.classList.toggle("on", on);
  }

  function startEvents() {
    var url = document.body.dataset.events;
    if (!url || !window.EventSource) return;
    // The server ends each stream after a few seconds; the browser reconnects and
    // sends the last event id, from which the server announces what it missed.
    var source = new EventSource(url);
    source.addEventListener("open", function () { setLive(true); });
    source.addEventListener("error", function () {
      window.setTimeout(function () { setLive(source.readyState === EventSource.OPEN); }, 3000);
    });
    TOPICS.forEach(function (topic) {
      source.addEventListener(topic, function () {
        if (window.htmx) window.htmx.trigger(document.body, "live-" + topic);
      });
    });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tickCountdowns() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".countdown[data-deadline-t]").forEach(function (el) {
      var left = parseFloat(el.dataset.deadlineT) - now;
      var s = Math.floor(Math.abs(left));
      // Under an hour the seconds matter; beyond it, whole minutes read better.
      var text = s < 3600 ? Math.floor(s / 60) + ":" + pad(s % 60) : String(Math.floor(s / 60));
      var template = left >= 0 ? el.dataset.due : el.dataset.over;
      el.textContent = template.replace("{minutes}", text);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 300);
    });
  }

  var selectedId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox tr[data-entry-id]"));
  }

  function showSelection() {
    rows().forEach(function (row) {
      var on = row.dataset.entryId === selectedId;
      row.classList.toggle("selected", on);
      if (on) row.setAttribute("aria-selected", "true"); else row.removeAttribute("aria-selected");
    });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var ids = all.map(function (row) { return row.dataset.entryId; });
    var at = ids.indexOf(selectedId);
    at = at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + step));
    selectedId = ids[at];
    showSelection();
    all[at].scrollIntoView({ block: "nearest" });
  }

  function acknowledgeSelected() {
    var row = rows().filter(function (r) { return r.dataset.entryId === selectedId; })[0];
    var form = row && row.querySelector("form.ack-form");
    if (form) form.requestSubmit();
  }

  function onKey(event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    if (!document.getElementById("inbox")) return;
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "a") { acknowledgeSelected(); event.preventDefault(); }
  }

  function onClick(event) {
    var row = event.target.closest && event.target.closest("#inbox tr[data-entry-id]");
    if (row) { selectedId = row.dataset.entryId; showSelection(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    startEvents();
    tickCountdowns();
    window.setInterval(tickCountdowns, 1000);
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onClick);
    document.body.addEventListener("htmx:afterSwap", function () {
      tickCountdowns();
      showSelection();
    });
  });
})();
