// The new API key page: focusing the key selects it, and a Copy button appears
// where the clipboard API exists. Without JavaScript the field stays selectable
// for a manual copy.
(function () {
  "use strict";
  var field = document.getElementById("secret");
  var button = document.getElementById("copy-secret");
  var status = document.getElementById("copy-status");
  if (!field) return;
  field.addEventListener("focus", function () { field.select(); });
  if (!button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(
      function () { status.textContent = "Copied to the clipboard."; },
      function () {
        field.select();
        status.textContent = "Press Ctrl+C (⌘C) to copy the selected key.";
      }
    );
  });
})();
