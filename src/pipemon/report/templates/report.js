(function () {
  "use strict";
  // Filters: rows carry data-owner, data-severity and data-date (YYYY-MM-DD, ET); a filter
  // hides the rows that carry its attribute and do not match. No data lives in this script.
  var form = document.getElementById("filters");
  if (!form) { return; }
  var owner = form.elements.namedItem("owner");
  var severity = form.elements.namedItem("severity");
  var from = form.elements.namedItem("from");
  var to = form.elements.namedItem("to");
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-filterable]"));

  function keep(el) {
    var d = el.getAttribute("data-date");
    if (owner.value && el.hasAttribute("data-owner") && el.getAttribute("data-owner") !== owner.value) { return false; }
    if (severity.value && el.hasAttribute("data-severity") && el.getAttribute("data-severity") !== severity.value) { return false; }
    if (d && from.value && d < from.value) { return false; }
    if (d && to.value && d > to.value) { return false; }
    return true;
  }

  function apply() {
    var hidden = 0;
    rows.forEach(function (el) { el.hidden = !keep(el); if (el.hidden) { hidden += 1; } });
    document.querySelectorAll("[data-count-for]").forEach(function (out) {
      var scope = document.getElementById(out.getAttribute("data-count-for"));
      var all = scope ? scope.querySelectorAll("[data-filterable]") : [];
      var shown = Array.prototype.filter.call(all, function (el) { return !el.hidden; }).length;
      out.textContent = shown === all.length ? all.length + " shown" : shown + " of " + all.length + " shown";
    });
    var total = document.getElementById("filter-total");
    if (total) { total.textContent = hidden ? hidden + " rows hidden by the filters" : "nothing hidden"; }
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.hidden = false;
  apply();
})();
