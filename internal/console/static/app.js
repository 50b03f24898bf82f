// doppel console: the little the pages need from JavaScript. Everything
// works without it except the copy buttons.
"use strict";
document.addEventListener("click", function (e) {
  var b = e.target.closest("button.copy");
  if (!b) return;
  var text = b.getAttribute("data-copy");
  var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
  // The clipboard API may be missing or refused (no focus, no permission):
  // fall back to selecting the text in a scratch textarea.
  var fallback = function () {
    var t = document.createElement("textarea");
    t.value = text;
    document.body.appendChild(t);
    t.select();
    try { document.execCommand("copy"); } finally { t.remove(); }
    done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
    return;
  }
  fallback();
});
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// Sections shown only for one choice of a radio group (the Create role
// wizard's trusted entity type).
function showWhen() {
  document.querySelectorAll("[data-show-when]").forEach(function (el) {
    var radio = document.getElementById(el.getAttribute("data-show-when"));
    el.hidden = radio && !radio.checked;
  });
}
// "(N selected)" follows the checkboxes it counts.
function counts() {
  document.querySelectorAll("[data-count-of]").forEach(function (el) {
    var n = document.querySelectorAll('input[name="' + el.getAttribute("data-count-of") + '"]:checked').length;
    el.textContent = "(" + n + " selected)";
  });
}
document.addEventListener("change", function () { showWhen(); counts(); });
document.addEventListener("DOMContentLoaded", showWhen);
