// A table wider than its frame (.table-wrap) scrolls sideways there: make that
// frame reachable from the keyboard (arrow keys scroll it) and name it, so
// keyboard and screen-reader users know it is there. Re-checked on resize and
// after htmx swaps.
(function () {
  "use strict";
  function label(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var el = wrap;
    while (el) {
      var prev = el.previousElementSibling;
      while (prev) {
        var heading = prev.matches("h1, h2, h3") ? prev : prev.querySelector("h1, h2, h3");
        if (heading) return heading.textContent.trim();
        prev = prev.previousElementSibling;
      }
      el = el.parentElement;
      if (el && el.matches("main")) break;
    }
    return "Table";
  }
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap) + " (scrolls sideways)");
      } else if (!scrolls && wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSettle", mark);
  window.addEventListener("resize", mark);
})();
