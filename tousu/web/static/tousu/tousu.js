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

  /* Intake: the caller's earlier complaint about the same matter (a repeat, SPEC §8), looked up
     once the number and some of the matter are typed (debounced); the look-up button does the same
     without JavaScript. */
  function repeatLookup() {
    var panel = document.getElementById("repeat");
    var fields = ["f-phone", "f-summary", "f-content"].map(function (id) { return document.getElementById(id); });
    if (!panel || !panel.dataset.url || !window.fetch || fields.some(function (f) { return !f; })) return;
    var timer = null, last = "", seq = 0;
    function lookup() {
      var phone = fields[0].value.trim(), summary = fields[1].value.trim(), content = fields[2].value.trim();
      if (phone.replace(/\D/g, "").length < 7 || !(summary || content)) return;
      var query = "?phone=" + encodeURIComponent(phone) + "&summary=" + encodeURIComponent(summary) +
        "&content=" + encodeURIComponent(content.slice(0, 2000));
      if (query === last) return;
      last = query;
      var mine = ++seq;
      fetch(panel.dataset.url + query, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.status === 200 || r.status === 403 ? r.text() : null; })
        .then(function (html) {
          if (html !== null && mine === seq) { panel.innerHTML = html; panel.hidden = false; }
        })
        .catch(function () { /* the look-up button still works */ });
    }
    fields.forEach(function (f) {
      f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 600); });
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

  /* Ledger exports in the background: follow each unfinished one until its file can be downloaded. */
  function exportProgress() {
    document.querySelectorAll("[data-export-state]").forEach(function (row) {
      var url = row.dataset.exportState;
      function poll() {
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (e) {
          var bar = row.querySelector("progress");
          if (bar) { bar.value = e.percent; }
          var state = row.querySelector("[data-export-text]");
          if (state) { state.textContent = e.state_name + " " + e.done + "/" + e.total; }
          if (e.download) {
            var link = row.querySelector("[data-export-download]");
            if (link) { link.href = e.download; link.hidden = false; }
            return;
          }
          if (e.state !== "failed") { setTimeout(poll, 1500); }
        }).catch(function () { setTimeout(poll, 5000); });
      }
      poll();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    exportProgress();
    repeatLookup();
    callerLookup();
    singleSubmit();
    printButtons();
  });
})();
