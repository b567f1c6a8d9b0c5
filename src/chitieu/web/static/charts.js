// Draws the dashboard's charts with plotly.js (served from the installed plotly package).
(function () {
  "use strict";
  var node = document.getElementById("charts-data");
  if (!node || typeof Plotly === "undefined") { return; }
  var charts = JSON.parse(node.textContent || "{}");
  var config = { responsive: true, displaylogo: false };
  Object.keys(charts).forEach(function (name) {
    var el = document.getElementById("chart-" + name);
    if (el) {
      Plotly.newPlot(el, charts[name].data, charts[name].layout, config).then(function () {
        el.setAttribute("data-ready", "1");
      });
    }
  });
})();
