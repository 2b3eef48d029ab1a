/* tousu: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  /* Intake: look up the caller's earlier complaints while the number is typed (debounced). */
  function callerLookup() {
    var phone = document.getElementById("f-phone");
    var panel = document.getElementById("callers");
    if (!phone || !panel || !panel.dataset.url || !window.fetch) return;
    var timer = null, last = phone.value.trim(), seq = 0;
    function lookup() {
      var value = phone.value.trim();
      if (value === last) return;
      last = value;
      var mine = ++seq;
      fetch(panel.dataset.url + "?phone=" + encodeURIComponent(value), {
        credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
      }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && mine === seq) panel.innerHTML = html; })
        .catch(function () { /* the look-up button still works */ });
    }
    phone.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 350);
    });
  }

  /* Action forms: keep the page from being submitted twice by a double click. */
  function singleSubmit() {
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (form.dataset.submitted) { ev.preventDefault(); return; }
      form.dataset.submitted = "1";
      setTimeout(function () { delete form.dataset.submitted; }, 4000);
    });
  }

  /* Letters: the print button (a handler here, not inline, under the Content-Security-Policy). */
  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    callerLookup();
    singleSubmit();
    printButtons();
  });
})();
