/* Tab bars that do not fit a phone's width scroll sideways; a fading edge shows there is more (static/css/app.css
   .tab-scroll), and the current tab is brought into view. */
(function () {
  "use strict";

  function update(bar) {
    var more = bar.scrollWidth - bar.clientWidth;
    bar.classList.toggle("fade-start", bar.scrollLeft > 1);
    bar.classList.toggle("fade-end", more > 1 && bar.scrollLeft < more - 1);
  }

  function setup(root) {
    (root || document).querySelectorAll("ul.nav.flex-nowrap:not([data-tab-scroll])").forEach(function (bar) {
      bar.setAttribute("data-tab-scroll", "");
      bar.classList.add("tab-scroll");
      var active = bar.querySelector(".nav-link.active");
      if (active && active.offsetLeft + active.offsetWidth > bar.clientWidth) {
        bar.scrollLeft = active.offsetLeft - 16;
      }
      update(bar);
      bar.addEventListener("scroll", function () { update(bar); }, { passive: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("ul.tab-scroll").forEach(update);
  });
})();
