// The header's menus (<details>: Menu, account switcher, user menu) open and
// close without JavaScript; with it, opening one closes the others, Escape
// closes an open one and returns focus to its button, and a click elsewhere
// closes them.
(function () {
  "use strict";
  function menus() { return document.querySelectorAll(".navbar details"); }

  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches(".navbar details") || !opened.open) return;
    menus().forEach(function (d) { if (d !== opened) d.open = false; });
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (d) {
      if (!d.open) return;
      d.open = false;
      if (inside(d, document.activeElement)) d.querySelector("summary").focus();
    });
  });

  // The Menu button's nav is its next sibling, not its child.
  function inside(d, target) {
    var nav = d.classList.contains("navmenu") ? d.nextElementSibling : null;
    return d.contains(target) || (nav && nav.contains(target));
  }

  document.addEventListener("click", function (event) {
    menus().forEach(function (d) { if (d.open && !inside(d, event.target)) d.open = false; });
  });
})();
