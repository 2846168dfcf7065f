// The round page's code counters: asks every 10 s how many codes per category have
// been used (counts only) and updates the numbers and bars. Pauses while the tab is hidden.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var timer = null;

  function show(progress) {
    var totalUsed = 0, totalIssued = 0;
    Object.keys(progress).forEach(function (category) {
      var counts = progress[category];
      totalUsed += counts.used;
      totalIssued += counts.issued;
      var row = box.querySelector('[data-category="' + category + '"]');
      if (!row) { return; }
      row.querySelector("[data-used]").textContent = counts.used;
      row.querySelector("[data-issued]").textContent = counts.issued;
      var percent = counts.issued ? Math.round(100 * counts.used / counts.issued) : 0;
      var bar = row.querySelector(".progress");
      bar.setAttribute("aria-valuenow", percent);
      bar.querySelector(".progress-bar").style.width = percent + "%";
    });
    box.querySelector("[data-total-used]").textContent = totalUsed;
    box.querySelector("[data-total-issued]").textContent = totalIssued;
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(show)
      .catch(function () { /* a missed refresh is retried on the next tick */ });
  }

  function start() { if (timer === null) { timer = window.setInterval(refresh, 10000); } }
  function stop() { if (timer !== null) { window.clearInterval(timer); timer = null; } }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { stop(); } else { refresh(); start(); }
  });
  start();
})();
