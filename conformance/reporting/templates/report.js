(function () {
  "use strict";
  var doc = document;
  doc.documentElement.className += " js";

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // The requirement matrix's filters (hidden, and everything shown, when scripts do not run).
  var bar = doc.getElementById("matrix-filters");
  var table = doc.getElementById("matrix-table");
  if (bar && table) {
    var rows = table.querySelectorAll("tr.req");
    var groups = table.querySelectorAll("tbody.family");
    var search = doc.getElementById("matrix-search");
    var counter = doc.getElementById("matrix-count");
    var empty = doc.getElementById("matrix-empty");
    var chosen = function (name) {
      var set = {};
      each(bar.querySelectorAll('input[name="' + name + '"]'), function (box) { set[box.value] = box.checked; });
      return set;
    };
    var apply = function () {
      var statuses = chosen("status"), severities = chosen("severity"), families = chosen("family");
      var words = (search.value || "").toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      each(rows, function (row) {
        var text = row.textContent.toLowerCase();
        var ok = statuses[row.getAttribute("data-status")] && severities[row.getAttribute("data-severity")] &&
          families[row.getAttribute("data-family")] !== false &&
          words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      each(groups, function (group) { group.hidden = !group.querySelector("tr.req:not([hidden])"); });
      counter.textContent = shown + " of " + rows.length + " requirements shown";
      empty.hidden = shown !== 0;
    };
    bar.addEventListener("change", apply);
    search.addEventListener("input", apply);
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-preset]");
      if (!button) { return; }
      var preset = button.getAttribute("data-preset");
      each(bar.querySelectorAll('input[name="status"]'), function (box) {
        box.checked = preset === "all" || ["failed", "error", "warning", "waived"].indexOf(box.value) !== -1;
      });
      if (preset === "all") {
        each(bar.querySelectorAll('input[name="severity"]'), function (box) { box.checked = true; });
        search.value = "";
      }
      apply();
    });
    bar.hidden = false;
    apply();
  }

  // Two views: by risk (findings, then what was not checked) and the requirement matrix.
  var tabs = doc.getElementById("view-tabs");
  if (tabs) {
    var show = function (name) {
      each(doc.querySelectorAll("[data-view]"), function (section) {
        section.hidden = section.getAttribute("data-view") !== name;
      });
      each(tabs.querySelectorAll("button[data-tab]"), function (button) {
        button.setAttribute("aria-selected", String(button.getAttribute("data-tab") === name));
      });
    };
    tabs.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-tab]");
      if (button) { show(button.getAttribute("data-tab")); }
    });
    each(doc.querySelectorAll('a[href^="#req-"], a[href="#matrix"]'), function (a) {
      a.addEventListener("click", function () { show("requirements"); });
    });
    each(doc.querySelectorAll('a[href^="#finding-"], a[href="#findings"], a[href="#not-checked"]'), function (a) {
      a.addEventListener("click", function () { show("risk"); });
    });
    tabs.hidden = false;
    show("risk");
  }

  // Expand or collapse every piece of evidence.
  var tools = doc.getElementById("evidence-tools");
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-open]");
      if (!button) { return; }
      var open = button.getAttribute("data-open") === "true";
      each(doc.querySelectorAll("details.evidence"), function (d) { d.open = open; });
    });
  }

  // Printing shows every piece of evidence; the screen goes back to how it was.
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    each(doc.querySelectorAll("[data-view]"), function (s) { s.hidden = false; });
    each(doc.querySelectorAll("details:not([open])"), function (d) { d.open = true; reopened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
  });
})();
