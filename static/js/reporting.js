// Draws the Reporting page's stacked bar chart from the JSON beside it; redrawn
// after each htmx swap. Without JavaScript the table carries the same numbers.
(function () {
  "use strict";
  var COLORS = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9",
                "#84cc16", "#ec4899", "#64748b", "#14b8a6", "#f97316", "#a855f7"];
  var chart = null;

  function datasets(data) {
    var sets = [];
    data.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      if (data.metric === "spend") {
        sets.push({ label: s.label, data: s.spend, backgroundColor: color, stack: "spend", yAxisID: "y" });
        return;
      }
      // Audio hours and tokens are different units: separate stacks and axes.
      if (s.hours.some(function (v) { return v > 0; })) {
        sets.push({ label: s.label + " (hours)", data: s.hours, backgroundColor: color, stack: "hours", yAxisID: "y" });
      }
      if (s.tokens.some(function (v) { return v > 0; })) {
        sets.push({ label: s.label + " (tokens)", data: s.tokens, backgroundColor: color + "99", stack: "tokens", yAxisID: "tokens" });
      }
    });
    return sets;
  }

  function draw() {
    var source = document.getElementById("usage-chart-data");
    var canvas = document.getElementById("usage-chart");
    if (chart) { chart.destroy(); chart = null; }
    if (!source || !canvas || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var sets = datasets(data);
    var hasTokens = sets.some(function (d) { return d.yAxisID === "tokens"; });
    var spend = data.metric === "spend";
    chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: sets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, display: spend || sets.some(function (d) { return d.yAxisID === "y"; }),
               title: { display: true, text: spend ? "Spend (USD)" : "Audio hours" } },
          tokens: { stacked: true, beginAtZero: true, position: "right", display: !spend && hasTokens,
                    grid: { drawOnChartArea: false }, title: { display: true, text: "Tokens" } }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
