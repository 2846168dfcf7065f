// The verification form: a 细则's number of cases, reason and evidence show only once it
// is ticked, so the long list of rules reads as a checklist.
(function () {
  document.querySelectorAll(".js-deduction").forEach(function (rule) {
    var tick = rule.querySelector("input[type=checkbox]");
    var details = rule.querySelector(".js-deduction-details");
    if (!tick || !details) { return; }
    function refresh() { details.hidden = !tick.checked; }
    tick.addEventListener("change", refresh);
    refresh();
  });
})();
