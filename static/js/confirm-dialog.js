// Links marked data-dialog="<id>" open that confirm <dialog>; without JavaScript
// (or without <dialog> support) they lead to a confirm page instead. Delegated
// from the document, so rows that htmx swaps in work too.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    var dialog = opener && document.getElementById(opener.dataset.dialog);
    if (dialog && dialog.showModal) {
      event.preventDefault();
      dialog.showModal();
    }
  });
})();
