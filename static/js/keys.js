// "?" shows the keys of the page: base.html holds the dialog with the keys every page
// has, and each page adds its own list ({% block keys %}). Enter it with "?" anywhere
// but in a text field, or with the header's "Keys" button; Esc (the dialog's own) or "?"
// closes it and focus returns where it was.
(function () {
  "use strict";

  const dialog = document.getElementById("keys-dialog");
  if (!dialog || !dialog.showModal) return;
  const opener = document.querySelector("[data-keys-open]");
  // A touch screen has no keys to list (hover: none with a coarse pointer).
  const touchOnly = window.matchMedia && window.matchMedia("(hover: none) and (pointer: coarse)").matches;
  if (opener && !touchOnly) opener.hidden = false;

  const typing = (el) =>
    el && el.closest && (el.closest("input, textarea, select, [contenteditable=true]") !== null);

  function toggle() {
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    event.preventDefault();
    toggle();
  });
  if (opener) opener.addEventListener("click", toggle);
  dialog.addEventListener("click", (event) => {
    // The backdrop, or the close button.
    if (event.target === dialog || event.target.closest("[data-keys-close]")) dialog.close();
  });
  window.ClaimmarkKeys = { toggle };
})();
