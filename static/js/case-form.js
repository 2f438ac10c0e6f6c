// The case form: "use my location" fills the hidden coordinates from the device (no map service, no network),
// and a counter shows how much of the 4,000 characters the description has used.
(function () {
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var form = button.closest("form");
    var status = form.querySelector("[data-locate-status]");
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = button.dataset.unsupported || ""; return; }
      status.textContent = button.dataset.waiting || "";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=lng]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("[name=share_location]").checked = true;
        status.textContent = (button.dataset.done || "") + " " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      }, function () { status.textContent = button.dataset.failed || ""; }, {enableHighAccuracy: true, timeout: 15000});
    });
  });
  document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    area.after(counter);
    var update = function () { counter.textContent = area.value.length + " / " + area.getAttribute("maxlength"); };
    area.addEventListener("input", update);
    update();
  });
  // The challenge replaced by htmx: the focus goes where the user was (换一题 of the new challenge), or to the question
  // in words when it was asked for, so a keyboard or screen-reader user is never left at the top of the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "challenge") {
      var again = event.target.querySelector("[data-challenge-refresh]");
      if (again) again.focus();
    } else if (event.target.id === "challenge-text") {
      event.target.focus();
    }
  });
})();
