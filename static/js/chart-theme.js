// Charts take their text and grid colours from console.css's variables, so they
// follow the light or dark scheme; when the system switches scheme, every chart
// on the page is redrawn in the new colours. Loaded by base.html after each
// page's own scripts, before any chart is drawn (DOMContentLoaded).
(function () {
  "use strict";
  var scheme = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function apply() {
    var Chart = window.Chart;
    if (!Chart) return;
    var css = getComputedStyle(document.documentElement);
    var value = function (name) { return css.getPropertyValue(name).trim(); };
    Chart.defaults.color = value("--muted");
    Chart.defaults.borderColor = value("--line");
    Chart.defaults.plugins.tooltip.backgroundColor = value("--fg");
    Chart.defaults.plugins.tooltip.titleColor = value("--bg");
    Chart.defaults.plugins.tooltip.bodyColor = value("--bg");
    Chart.defaults.plugins.legend.labels.color = value("--fg");
    Object.values(Chart.instances || {}).forEach(function (chart) { chart.update(); });
  }

  apply();
  if (scheme && scheme.addEventListener) scheme.addEventListener("change", apply);
})();
