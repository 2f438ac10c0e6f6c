// Confirmation of irreversible actions: a form with data-confirm="question" asks it before posting and,
// when the user agrees, sets its hidden input name="confirmed" to 1 (the server asks again on its own page
// when that is missing, so a post without this script is never acted on by a single click).
// Delegated from the document, so forms swapped in by htmx are covered too.
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var field = form.querySelector("input[name=confirmed]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      form.appendChild(field);
    }
    // A re-shown upload form asks with a check box (includes/confirm_field.html): agreeing in the dialog ticks it.
    if (field.type === "checkbox") field.checked = true;
    else field.value = "1";
  }, true);
})();
