// Settings pages: redraw the "New" timeline while a schedule is edited, and keep a confirm
// button from sending twice. Everything works without this script; it only helps.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var DAY = 24 * 60;

  function minutes(value) {
    var m = /^(\d{1,2}):(\d{2})/.exec(value || "");
    if (!m) return null;
    var h = +m[1], min = +m[2];
    if (h > 23 || min > 59) return null;
    return h * 60 + min;
  }

  function rect(x, width, cls, title) {
    var r = document.createElementNS(SVG, "rect");
    r.setAttribute("class", "tl-bar tl-" + cls);
    r.setAttribute("x", String(x));
    r.setAttribute("y", "3");
    r.setAttribute("width", String(width));
    r.setAttribute("height", "18");
    var t = document.createElementNS(SVG, "title");
    t.textContent = title;
    r.appendChild(t);
    return r;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hm(total) { return pad(Math.floor(total / 60)) + ":" + pad(total % 60); }

  function redraw(form, timeline) {
    var cls = timeline.getAttribute("data-bar-class") || "charge";
    var group = timeline.querySelector(".tl-bars");
    if (!group) return;
    while (group.firstChild) group.removeChild(group.firstChild);
    for (var n = 1; n <= 3; n++) {
      var on = form.querySelector("[name=slot" + n + "_enabled]");
      var start = minutes((form.querySelector("[name=slot" + n + "_start]") || {}).value);
      var end = minutes((form.querySelector("[name=slot" + n + "_end]") || {}).value);
      if (!on || !on.checked || start === null || end === null || start === end) continue;
      var title = "Window " + n + ": " + hm(start) + "–" + hm(end);
      if (end > start) {
        group.appendChild(rect(start, end - start, cls, title));
      } else {
        group.appendChild(rect(start, DAY - start, cls, title + " (over midnight)"));
        if (end > 0) group.appendChild(rect(0, end, cls, title + " (over midnight)"));
      }
    }
  }

  var form = document.getElementById("schedule-form");
  if (form) {
    var timeline = form.querySelector(".timeline-live");
    if (timeline) {
      var update = function () { redraw(form, timeline); };
      form.addEventListener("input", update);
      form.addEventListener("change", update);
      update();
    }
  }

  // One click, one request: the server also refuses a second use of the same confirm token.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (f) {
    f.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formaction")) return;  // "Change values" goes back
      if (f.getAttribute("data-sent")) { event.preventDefault(); return; }
      f.setAttribute("data-sent", "1");
      var button = f.querySelector(".st-send");
      if (button) {
        window.setTimeout(function () {
          button.disabled = true;
          button.textContent = "Sending…";
        }, 0);
      }
    });
  });
})();
