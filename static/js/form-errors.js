// A form sent back with errors: focus its error summary and mark the page title, so keyboard and screen-reader users
// learn at once that the form was not accepted and can follow the links to the fields (WCAG 3.3.1, 2.4.3).
(function () {
  function summarize(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (!summary) return;
    var prefix = summary.getAttribute("data-title-prefix") || "";
    if (prefix && document.title.indexOf(prefix) !== 0) document.title = prefix + document.title;
    summary.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-link]");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { summarize(); });
  else summarize();
  // A page reached through a #fragment (the skip link's #main, kept by a form posted from it) has its focus moved to
  // the fragment's target after loading: the summary takes it back.
  window.addEventListener("load", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary && !summary.contains(document.activeElement)) summary.focus();
  });
  document.addEventListener("htmx:afterSwap", function (event) { summarize(event.target); });
})();
