// A circular's page: confirms before issuing or deleting, and while its PDF is queued or
// rendering asks every 1.5 s for the state and progress and updates the bar, the state
// and, once it is issued, the download button, without reloading the page.
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var box = document.querySelector("#circular-status[data-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".progress-bar");
  var badge = document.querySelector("[data-state-badge]");
  var timer = null;

  function show(status) {
    var percent = status.state === "failed" ? 100 : status.progress;
    bar.style.width = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", status.progress);
    box.querySelector("[data-percent]").textContent = status.progress + "%";
    box.querySelector("[data-state-label]").textContent = status.state_label;
    if (badge) { badge.textContent = status.state_label; }
    var error = box.querySelector("[data-error]");
    error.textContent = status.error;
    error.classList.toggle("d-none", !status.error);
    if (status.done) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.add(status.state === "issued" ? "bg-success" : "bg-danger");
      if (badge) {
        badge.classList.remove("text-bg-info");
        badge.classList.add(status.state === "issued" ? "text-bg-success" : "text-bg-danger");
      }
    }
    if (status.download_url) {
      var link = box.querySelector("[data-download]");
      link.setAttribute("href", status.download_url);
      link.classList.remove("d-none");
    }
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.done) { stop(); }
      })
      .catch(function () { /* a missed refresh is retried on the next tick */ });
  }

  function start() { if (timer === null) { timer = window.setInterval(refresh, 1500); } }
  function stop() { if (timer !== null) { window.clearInterval(timer); timer = null; } }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { stop(); } else { refresh(); start(); }
  });
  refresh();
  start();
})();
