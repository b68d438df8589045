// The header's menu of the person's own pages (a <details>, so it opens without
// JavaScript too): Esc closes it and puts the focus back on its button, and so does a
// click or a tap anywhere else, as for any menu.
(function () {
  "use strict";
  const menu = document.querySelector(".user-menu");
  if (!menu) return;
  const button = menu.querySelector("summary");

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menu.open) return;
    menu.open = false;
    button.focus();
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
})();
