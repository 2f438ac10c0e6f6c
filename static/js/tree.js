// The organization tree's toggles: show or hide a node's children and say so (aria-expanded, a label naming the
// organization: "展开 新民村党委" / "收起 新民村党委"). The children are loaded once by htmx on the first click.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-tree-toggle]");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.setAttribute("aria-label", button.getAttribute(open ? "data-label-collapse" : "data-label-expand"));
    button.querySelector("span").textContent = open ? "−" : "+";
    button.parentElement.nextElementSibling.hidden = !open;
  });
})();
