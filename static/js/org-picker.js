/* The organization picker (apps/orgs/picker.py): htmx fetches the matches as the user types; this script
   turns a chosen match into the hidden id, shows its parent path, and gives the list keyboard control.
   Without this script the box is a plain text input that takes an organization code. */
(function () {
  "use strict";

  function parts(picker) {
    return {
      text: picker.querySelector("[data-org-text]"),
      pk: picker.querySelector("[data-org-pk]"),
      list: picker.querySelector(".org-picker-results"),
      path: picker.querySelector("[data-org-path]"),
    };
  }

  function setup(root) {
    (root || document).querySelectorAll("[data-org-picker]:not([data-ready])").forEach(function (picker) {
      var p = parts(picker);
      picker.setAttribute("data-ready", "");
      p.pk.disabled = false; // the id travels only when this script runs; otherwise the typed code does
      if (p.pk.value && p.text.dataset.label) p.text.value = p.text.dataset.label;
      if (p.path) p.path.hidden = true; // the box itself shows the path now
    });
  }

  function close(picker) {
    var p = parts(picker);
    p.list.innerHTML = "";
    p.text.setAttribute("aria-expanded", "false");
  }

  function choose(picker, option) {
    var p = parts(picker);
    p.text.value = option.dataset.label;
    p.text.dataset.label = option.dataset.label;
    p.pk.value = option.dataset.pk;
    close(picker);
    p.pk.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function options(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("[data-org-option]"));
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:load", function (event) { setup(event.target); });

  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = event.target.closest && event.target.closest("[data-org-picker]");
    if (picker) parts(picker).text.setAttribute("aria-expanded", options(picker).length ? "true" : "false");
  });

  // Typing again forgets the chosen organization: what is submitted is what is shown.
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-org-text]")) return;
    var picker = event.target.closest("[data-org-picker]");
    parts(picker).pk.value = "";
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-org-option]");
    if (option) {
      choose(option.closest("[data-org-picker]"), option);
      return;
    }
    document.querySelectorAll("[data-org-picker]").forEach(function (picker) {
      if (!picker.contains(event.target)) close(picker);
    });
  });

  // Leaving the box closes its list (after a moment, so that a click on a match still lands).
  document.addEventListener("focusout", function (event) {
    if (!event.target.matches || !event.target.matches("[data-org-text]")) return;
    var picker = event.target.closest("[data-org-picker]");
    setTimeout(function () { if (!picker.contains(document.activeElement)) close(picker); }, 200);
  });

  document.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("[data-org-text]")) return;
    var picker = event.target.closest("[data-org-picker]");
    var list = options(picker);
    if (!list.length) return;
    var current = list.findIndex(function (o) { return o.classList.contains("active"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? Math.min(current + 1, list.length - 1) : Math.max(current - 1, 0);
      list.forEach(function (o, i) { o.classList.toggle("active", i === next); o.setAttribute("aria-selected", i === next); });
      list[next].scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault(); // Enter picks a match instead of submitting half a choice
      choose(picker, list[current >= 0 ? current : 0]);
    } else if (event.key === "Escape") {
      close(picker);
    }
  });
})();
