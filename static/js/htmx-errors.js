/* htmx error responses, made visible.
 *
 * By default htmx swaps nothing for a 4xx or 5xx answer, so a refused search, a rate limit (429) or a refused
 * action looks like nothing happened. Our 4xx answers carry a message for the user in Chinese (the views' partials
 * with their form errors; apps.core.errors renders a small alert fragment for htmx requests), so a 4xx is swapped
 * into the target like a 2xx. A 5xx carries nothing useful: it is not swapped, and a generic message appears in the
 * page's alert region (#htmx-alert, role="alert"), as does a network failure.
 */
(function () {
  "use strict";
  if (!window.htmx) { return; }
  htmx.config.responseHandling = [
    {code: "204", swap: false},
    {code: "[23]..", swap: true},
    {code: "4..", swap: true, error: false},
    {code: "5..", swap: false, error: true},
    {code: "...", swap: false}
  ];

  function region() { return document.getElementById("htmx-alert"); }

  function show(text) {
    var box = region();
    if (!box) { return; }
    box.querySelector("[data-htmx-alert-text]").textContent = text;
    // Coloured only while shown, so a page's own .alert-danger messages stay the only ones until then.
    box.classList.add("alert-danger");
    box.hidden = false;
  }

  function hide(box) {
    box.hidden = true;
    box.classList.remove("alert-danger");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    // Polling (X-Poll) does not clear a message the user has not read yet.
    var box = region();
    var headers = (event.detail && event.detail.requestConfig && event.detail.requestConfig.headers) || {};
    if (box && !headers["X-Poll"]) { hide(box); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var box = region();
    if (!box) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    show(box.dataset.serverError + (status ? "（" + status + "）" : ""));
  });
  document.addEventListener("htmx:sendError", function () {
    var box = region();
    if (box) { show(box.dataset.networkError); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-htmx-alert-close]")) { hide(region()); }
  });
})();
