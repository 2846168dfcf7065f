// The evaluation form: counts the answered subjects, and on submit goes to the first
// subject without a choice instead of sending an incomplete form. The server checks
// the same again, so the form works without this script.
(function () {
  "use strict";
  var form = document.getElementById("ballot-form");
  if (!form) {
    return;
  }
  var subjects = Array.prototype.slice.call(form.querySelectorAll("[data-ballot-subject]"));
  var counter = document.getElementById("ballot-answered");
  var sending = false;

  function isAnswered(subject) {
    return subject.querySelector("input[type=radio]:checked") !== null;
  }

  function mark(subject, missing) {
    subject.classList.toggle("ballot-missing", missing);
    var hint = subject.querySelector("[data-ballot-hint]");
    if (hint) {
      hint.classList.toggle("d-none", !missing);
    }
  }

  function goTo(subject) {
    subject.scrollIntoView({ behavior: "smooth", block: "start" });
    var first = subject.querySelector("input[type=radio]");
    if (first) {
      first.focus({ preventScroll: true });
    }
  }

  function update(event) {
    var answered = subjects.filter(isAnswered).length;
    if (counter) {
      counter.textContent = String(answered);
    }
    if (event && event.target.type === "radio") {
      var subject = event.target.closest("[data-ballot-subject]");
      if (subject) {
        mark(subject, false);
      }
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) {
    var missing = subjects.filter(function (subject) {
      return !isAnswered(subject);
    });
    if (missing.length === 0) {
      if (sending) {
        event.preventDefault(); // a second tap while the first is on its way
      }
      sending = true;
      return;
    }
    event.preventDefault();
    missing.forEach(function (subject) {
      mark(subject, true);
    });
    goTo(missing[0]);
  });

  // The server sent the form back with something to fix: start there.
  var firstProblem = form.querySelector(".ballot-missing");
  if (firstProblem) {
    goTo(firstProblem);
  }
  update();
})();
