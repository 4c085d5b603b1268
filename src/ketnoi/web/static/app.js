/* ketnoi: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function enhanceCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy-target"));
        if (!field) { return; }
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = button.getAttribute("data-copied-text") || button.textContent;
        });
      });
    });
  }

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceCopyButtons(document);
    focusErrorSummary();
    document.querySelectorAll("input[readonly].mono").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  });
})();
