/* growattweb — live values: refresh every element with data-live-url while the tab is visible.
 *
 * Markup contract (templates/plants/_power_flow.html, _plant_card.html, any kiosk page):
 *   [data-live-root][data-live-url]   a container refreshed from the JSON of plants.charts.live_summary
 *     [data-live="pv"]                text replaced by json.text.pv
 *     [data-live-value="updated_time"] text replaced by json[updated_time]
 *     [data-flow="grid"]              data-state set to json.flow.grid (CSS draws the arrows)
 *     [data-live-show="stale"]        shown when json.stale is true, hidden otherwise
 *     [data-live-show-not="stale"]    the opposite
 *   The root gets the class is-stale when the values are old.
 * Interval: data-live-interval on <body> or the root (seconds, default 60). Nothing runs in a
 * hidden tab: the timer stops on visibilitychange and a refresh happens on return.
 */
(function () {
  "use strict";

  var roots = Array.prototype.slice.call(document.querySelectorAll("[data-live-root][data-live-url]"));
  if (!roots.length) return;

  var seconds = parseInt(document.body.getAttribute("data-live-interval") ||
                         roots[0].getAttribute("data-live-interval") || "60", 10);
  if (!(seconds >= 5)) seconds = 60;
  var timer = null;
  var inFlight = false;

  function apply(root, data) {
    var text = data.text || {};
    root.querySelectorAll("[data-live]").forEach(function (el) {
      var key = el.getAttribute("data-live");
      if (Object.prototype.hasOwnProperty.call(text, key)) {
        var value = text[key];
        if (key === "soc" && data.has_battery === false) value = "–";
        if (el.textContent !== value) el.textContent = value;
      }
    });
    root.querySelectorAll("[data-live-value]").forEach(function (el) {
      var key = el.getAttribute("data-live-value");
      if (data[key] !== undefined && data[key] !== null) el.textContent = data[key];
    });
    var flow = data.flow || {};
    root.querySelectorAll("[data-flow]").forEach(function (el) {
      var key = el.getAttribute("data-flow");
      if (flow[key]) el.setAttribute("data-state", flow[key]);
    });
    root.querySelectorAll("[data-live-show]").forEach(function (el) {
      var key = el.getAttribute("data-live-show");
      el.hidden = !(data[key] && data.has_data !== false);
    });
    root.querySelectorAll("[data-live-show-not]").forEach(function (el) {
      el.hidden = !!data[el.getAttribute("data-live-show-not")];
    });
    root.classList.toggle("is-stale", !!data.stale);
    root.setAttribute("data-live-updated", data.updated_at || "");
  }

  function refresh() {
    if (inFlight || document.visibilityState !== "visible") return;
    inFlight = true;
    var pending = roots.map(function (root) {
      return fetch(root.getAttribute("data-live-url"), {
        credentials: "same-origin",
        headers: {"Accept": "application/json"},
        cache: "no-store"
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        apply(root, data);
        root.removeAttribute("data-live-error");
      }).catch(function () {
        // Keep the last values; the "updated" text tells their age. Try again next round.
        root.setAttribute("data-live-error", "1");
      });
    });
    Promise.all(pending).then(function () { inFlight = false; });
  }

  function start() {
    stop();
    timer = window.setInterval(refresh, seconds * 1000);
  }

  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      refresh();
      start();
    } else {
      stop();
    }
  });

  if (document.visibilityState === "visible") start();
})();
