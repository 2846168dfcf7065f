// The score sheet form: the running sum of the maxima beside the total, and the formula
// fields shown only for computed indicators, what is reported only for measured ones.
(function () {
  var sum = document.getElementById("points-sum");
  var total = document.getElementById("id_total_points");
  function refresh() {
    var points = 0;
    document.querySelectorAll(".js-indicator").forEach(function (row) {
      var removed = row.querySelector("input[name$='-DELETE']");
      var kind = row.querySelector(".js-kind");
      var computed = kind && kind.value === "computed";
      var measured = kind && kind.value === "measured";
      row.querySelectorAll(".js-computed, .js-measured").forEach(function (cell) {
        cell.hidden = !((computed && cell.classList.contains("js-computed")) ||
                        (measured && cell.classList.contains("js-measured")));
      });
      var max = row.querySelector(".js-max-points");
      if (max && max.value && !(removed && removed.checked)) { points += parseInt(max.value, 10) || 0; }
    });
    sum.textContent = points + " / " + (total.value || "—");
    sum.className = String(points) === total.value ? "text-success" : "text-danger";
  }
  document.addEventListener("input", refresh);
  document.addEventListener("change", refresh);
  refresh();
})();
