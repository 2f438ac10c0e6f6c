// 全部出席 on the record form: marks every member present in the page (nothing is saved until 保存), so the
// secretary then changes only those on leave or absent. Without this script the button posts the form and
// the server sends it back the same way.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-all-present]");
    if (!button) return;
    event.preventDefault();
    var table = document.querySelector(button.getAttribute("data-all-present"));
    if (!table) return;
    table.querySelectorAll("input[type=radio][value=present]").forEach(function (radio) { radio.checked = true; });
    table.querySelectorAll("input[name^='reason-']").forEach(function (input) { input.value = ""; });
  });
})();
