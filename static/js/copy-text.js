// A Copy button for a block of text (data-copy="<id of the element>"): shown only
// where the clipboard API exists. Without JavaScript the text stays selectable.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(
        function () { if (status) status.textContent = "Copied."; },
        function () { if (status) status.textContent = "Select the text and press Ctrl+C (⌘C)."; }
      );
    });
  });
})();
