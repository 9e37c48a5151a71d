(function () {
  "use strict";
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-filter]"));
  var claims = Array.prototype.slice.call(document.querySelectorAll("article.claim, tr.claim"));
  var status = document.getElementById("filter-status");
  var reset = document.getElementById("filter-reset");
  function apply() {
    var wanted = {};
    var narrowed = false;
    buttons.forEach(function (b) {
      if (b.getAttribute("aria-pressed") === "true") { wanted[b.getAttribute("data-filter")] = true; narrowed = true; }
    });
    var shown = 0;
    claims.forEach(function (c) {
      var show = !narrowed || wanted[c.getAttribute("data-verdict")] === true;
      c.hidden = !show;
      if (show) { shown += 1; }
    });
    status.textContent = narrowed ? "Showing " + shown + " of " + claims.length + " claims"
                                  : "Showing all " + claims.length + " claims";
    reset.hidden = !narrowed;
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      apply();
    });
  });
  reset.addEventListener("click", function () {
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    apply();
  });
  apply();
})();
