// A page with a document built by a worker (a circular, a dossier): confirms before
// buttons marked data-confirm, and while the document is queued or building asks every
// 1.5 s for the state and progress and updates the bar, the state and, once it is done,
// the download buttons, without reloading the page. The box is [data-render-status] with
// data-status-url; each [data-download] link takes its address from the status field its
// value names (download_url when empty).
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var box = document.querySelector("[data-render-status][data-status-url]");
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
      // What waits for the document (the button to build another one) is offered again.
      document.querySelectorAll("[data-enable-when-done]").forEach(function (control) { control.disabled = false; });
      document.querySelectorAll("[data-hide-when-done]").forEach(function (hint) { hint.classList.add("d-none"); });
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      var failed = status.state === "failed";
      bar.classList.add(failed ? "bg-danger" : "bg-success");
      if (badge) {
        badge.classList.remove("text-bg-info");
        badge.classList.add(failed ? "text-bg-danger" : "text-bg-success");
      }
    }
    box.querySelectorAll("[data-download]").forEach(function (link) {
      var address = status[link.getAttribute("data-download") || "download_url"];
      if (address) {
        link.setAttribute("href", address);
        link.classList.remove("d-none");
      }
    });
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
