// The public vote's paper: counts the ticked nominees, refuses a tick past the most
// allowed, and does not send a paper with none. The server checks the same again, so
// the paper works without this script.
(function () {
  "use strict";
  var form = document.getElementById("vote-form");
  if (!form) {
    return;
  }
  var most = parseInt(form.getAttribute("data-max-choices"), 10);
  var counter = document.getElementById("vote-chosen");
  var limit = document.getElementById("vote-limit");
  var none = document.getElementById("vote-none");
  var sending = false;

  function ticked() {
    return form.querySelectorAll("input[name=nominee]:checked").length;
  }

  function update() {
    if (counter) {
      counter.textContent = String(ticked());
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name !== "nominee") {
      return;
    }
    if (event.target.checked && ticked() > most) {
      event.target.checked = false;
      limit.classList.remove("d-none");
    } else {
      limit.classList.add("d-none");
    }
    none.classList.add("d-none");
    update();
  });

  form.addEventListener("submit", function (event) {
    if (ticked() === 0) {
      event.preventDefault();
      none.classList.remove("d-none");
      return;
    }
    if (sending) {
      event.preventDefault(); // a second tap while the first is on its way
    }
    sending = true;
  });

  update();
})();
