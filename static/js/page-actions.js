// Behaviour that pages used to carry in inline handlers, which the Content-Security-Policy
// (script-src 'self') refuses to run:
//   <form data-confirm="…">      asks before submitting;
//   <select data-autosubmit>     submits its form when changed;
//   <button data-print>          prints the page.
(function () {
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();
