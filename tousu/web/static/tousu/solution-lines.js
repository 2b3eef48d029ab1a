/* tousu: the result form's solution lines (solution/_lines_editor.html): a running total and a
   button that adds a row. The form works without this file: it has five rows and the server
   shows the total when the form comes back. */
(function () {
  "use strict";

  var FULL_WIDTH = /[\uff10-\uff19\uff0e\uff0c]/g;

  /* The amount in fen (integer), or null where it does not read as money; as the server reads it:
     full-width digits, thousands separators and a trailing 元 are allowed. */
  function fen(text) {
    var s = text.replace(FULL_WIDTH, function (ch) { return String.fromCharCode(ch.charCodeAt(0) - 0xfee0); })
      .replace(/,/g, "").trim().replace(/元$/, "").trim();
    if (s === "") return 0;
    var m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s);
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }

  function money(cents) {
    var yuan = Math.floor(cents / 100), rest = cents % 100;
    return yuan + "." + (rest < 10 ? "0" : "") + rest;
  }

  function editor(box) {
    var body = box.querySelector(".line-rows");
    var total = box.querySelector("[data-lines-total]");
    var add = box.querySelector("[data-add-line]");
    var most = parseInt(box.dataset.max, 10) || 20;

    function recount() {
      var sum = 0;
      body.querySelectorAll("input[name=line_amount]").forEach(function (input) {
        var value = fen(input.value);
        if (value !== null) sum += value;
      });
      total.textContent = money(sum);
    }

    function rows() { return body.querySelectorAll("[data-line]"); }

    add.hidden = rows().length >= most;
    add.addEventListener("click", function () {
      var all = rows();
      if (all.length >= most) return;
      var row = all[all.length - 1].cloneNode(true);
      row.classList.remove("has-error");
      row.removeAttribute("aria-invalid");
      row.querySelectorAll("input").forEach(function (input) { input.removeAttribute("value"); input.value = ""; });
      row.querySelectorAll("option[selected]").forEach(function (option) { option.removeAttribute("selected"); });
      row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      row.querySelector("[data-line-number]").textContent = String(all.length + 1);
      body.appendChild(row);
      add.hidden = rows().length >= most;
      row.querySelector("select").focus();
    });
    box.addEventListener("input", recount);
    box.addEventListener("change", recount);
    recount();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-lines-editor]").forEach(editor);
  });
})();
