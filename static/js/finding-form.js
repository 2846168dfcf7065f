// The finding form shows the task's fields or the deduction's only when that is chosen.
// Without this script both parts stay visible, and the server ignores the one not chosen.
(function () {
  var form = document.getElementById("finding-form");
  if (!form) {
    return;
  }
  function show() {
    var chosen = form.querySelector("input[name='action']:checked");
    var action = chosen ? chosen.value : "";
    form.querySelectorAll("[data-action-part]").forEach(function (part) {
      part.hidden = part.getAttribute("data-action-part") !== action;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "action") {
      show();
    }
  });
  show();
})();
