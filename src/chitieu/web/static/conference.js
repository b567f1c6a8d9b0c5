// The conference board (web/routes/conference.py): presenter keys, kiosk rotation, and the
// event stream that puts the parts that changed in place (no reload). No library.
(function () {
  "use strict";
  var body = document.body;
  var views = Array.prototype.map.call(document.querySelectorAll(".cf-nav [data-view]"),
    function (b) { return b.getAttribute("data-view"); });
  var codes = Array.prototype.map.call(document.querySelectorAll(".cf-nav [data-indicator]"),
    function (b) { return b.getAttribute("data-indicator"); });
  var at = Math.max(0, views.indexOf(body.getAttribute("data-start"))), code = codes[0];
  var paused = false;

  function press(selector, attr, value) {
    document.querySelectorAll(selector).forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute(attr) === value ? "true" : "false");
    });
  }
  function show() {
    document.querySelectorAll(".cf-main > .cf-view").forEach(function (s) {
      s.hidden = s.getAttribute("data-view") !== views[at];
    });
    document.querySelectorAll("[data-for]").forEach(function (d) {
      d.hidden = d.getAttribute("data-for") !== code;
    });
    press(".cf-nav [data-view]", "data-view", views[at]);
    press(".cf-nav [data-indicator]", "data-indicator", code);
    body.setAttribute("data-current", views[at] + " " + code);
  }
  function step(by) { at = (at + by + views.length) % views.length; show(); }
  function pick(i) { if (i >= 0 && i < codes.length) { code = codes[i]; show(); } }
  function pause(on) {
    paused = on;
    document.getElementById("cf-pause").setAttribute("aria-pressed", on ? "true" : "false");
    body.classList.toggle("paused", on);
  }

  document.querySelectorAll(".cf-nav [data-view]").forEach(function (b, i) {
    b.addEventListener("click", function () { at = i; show(); });
  });
  document.querySelectorAll(".cf-nav [data-indicator]").forEach(function (b, i) {
    b.addEventListener("click", function () { pick(i); });
  });
  document.getElementById("cf-pause").addEventListener("click", function () { pause(!paused); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key;
    if (k === "ArrowRight" || k === "PageDown" || k === " ") { step(1); }
    else if (k === "ArrowLeft" || k === "PageUp") { step(-1); }
    else if (k === "p" || k === "P") { pause(!paused); }
    else if (k === "f" || k === "F") {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (body.requestFullscreen) { body.requestFullscreen(); }
    } else if (/^[1-9]$/.test(k)) { pick(parseInt(k, 10) - 1); }
    else { return; }
    e.preventDefault();
  });
  if (body.getAttribute("data-kiosk")) {
    var every = Math.max(3, parseFloat(body.getAttribute("data-every")) || 15) * 1000;
    window.setInterval(function () {
      if (paused) { return; }
      if (at === views.length - 1) { pick((codes.indexOf(code) + 1) % codes.length); }
      step(1);
    }, every);
  }

  // the live figures
  var status = document.getElementById("cf-status");
  var time = document.getElementById("cf-time");
  function apply(data) {
    Object.keys(data.parts || {}).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) {
        el.innerHTML = data.parts[id];
        el.classList.remove("changed");
        void el.offsetWidth;
        el.classList.add("changed");
      }
    });
    body.setAttribute("data-version", data.version);
    time.textContent = new Date().toLocaleTimeString(document.documentElement.lang);
  }
  if (window.EventSource) {
    var url = body.getAttribute("data-events");
    var since = body.getAttribute("data-version");
    var source = new EventSource(url + (url.indexOf("?") < 0 ? "?" : "&") + "since=" +
      encodeURIComponent(since));
    source.addEventListener("board", function (e) { apply(JSON.parse(e.data)); });
    source.addEventListener("open", function () { status.textContent = status.getAttribute("data-live") || status.textContent; body.classList.remove("offline"); });
    source.addEventListener("error", function () { body.classList.add("offline"); });
  }
  if (!status.getAttribute("data-live")) { status.setAttribute("data-live", status.textContent); }
  show();
}());
