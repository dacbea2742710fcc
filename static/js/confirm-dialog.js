// Links marked data-dialog="<id>" open that confirm <dialog>; without JavaScript
// (or without <dialog> support) they lead to a confirm page instead. Delegated
// from the document, so rows that htmx swaps in work too.
// Focus: the dialog opens on its Cancel button (autofocus), so Enter never
// deletes by accident; when it closes without deleting, focus goes back to the
// link that opened it (or, if that row is gone, to the page's heading).
(function () {
  "use strict";
  var opener = null;

  function restoreFocus() {
    var target = opener && document.contains(opener) ? opener : document.querySelector("main h1");
    opener = null;
    if (!target) return;
    if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-dialog]");
    var dialog = link && document.getElementById(link.dataset.dialog);
    if (dialog && dialog.showModal) {
      event.preventDefault();
      opener = link;
      dialog.addEventListener("close", restoreFocus, { once: true });
      dialog.showModal();
    }
  });
})();
