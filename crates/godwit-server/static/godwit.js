// Godwit portal: small conveniences on top of pages that work without script.
// Drafts: what a person types in an item form is kept in this browser until the
// form is sent, so a session that ends while writing loses nothing.
(function () {
  "use strict";
  function draftKey(form) { return "godwit-draft:" + form.getAttribute("data-draft"); }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf" && el.type !== "file" && el.type !== "hidden" && el.type !== "submit";
    });
  }
  function save(form) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        data[el.name + "=" + el.value] = el.checked;
      } else {
        data[el.name] = el.value;
      }
    });
    try { localStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* storage full or off */ }
  }
  function restore(form) {
    var raw;
    try { raw = localStorage.getItem(draftKey(form)); } catch (e) { return; }
    if (!raw) { return; }
    var data = JSON.parse(raw);
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var k = el.name + "=" + el.value;
        if (k in data) { el.checked = data[k]; }
      } else if (el.name in data) {
        el.value = data[el.name];
      }
    });
    var note = form.querySelector(".draft-restored");
    if (note) { note.hidden = false; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      if (form.getAttribute("data-draft-fresh") !== "false") { restore(form); }
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); });
    });
    // A page that confirms a save clears the draft it came from.
    document.querySelectorAll("[data-draft-saved]").forEach(function (el) {
      try { localStorage.removeItem("godwit-draft:" + el.getAttribute("data-draft-saved")); } catch (e) { /* ignore */ }
    });
    // Survey answers: a question asked only for some answers of an earlier
    // one shows and hides as that answer changes (the server decides on save).
    document.querySelectorAll("form#survey-answers").forEach(function (form) {
      var conditional = form.querySelectorAll("[data-show-if]");
      // The values ticked for `key`; null when it is answered elsewhere (a section not given to this person).
      function given(key) {
        var box = form.querySelector('[data-question="' + key + '"]');
        var inputs = box ? box.querySelectorAll("input") : [];
        if (!inputs.length) { return null; }
        if (box.hidden) { return []; }
        return Array.prototype.filter.call(inputs, function (el) { return el.checked; })
          .map(function (el) { return el.value; });
      }
      function update() {
        conditional.forEach(function (box) {
          var values = given(box.getAttribute("data-show-if"));
          if (values === null) { return; }
          var wanted = box.getAttribute("data-any-of").split(" ");
          box.hidden = !values.some(function (v) { return wanted.indexOf(v) >= 0; });
        });
      }
      if (conditional.length) { form.addEventListener("change", update); }
    });
    // Confirm destructive actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  });
})();
