// On a phone or a narrow window (900 px and less, where the sidebar would otherwise sit
// far below the text), the annotation list is a drawer over the text: the "Annotations (N)"
// button opens it and moves the focus into it; Esc, its Close button, "Back to the text"
// or picking an annotation closes it (the focus goes back to the button, or to the
// highlight picked). While it is open the rest of the page is inert, so neither Tab nor a
// screen reader wanders behind it. It is the same element as the desktop sidebar, so the
// live updates land in it; a filter that re-renders #reader keeps it open.
(function () {
  "use strict";

  const narrow = window.matchMedia("(max-width: 900px)");
  const body = document.body;
  if (!document.getElementById("reader")) return;
  body.classList.add("has-drawer");

  const isOpen = () => body.classList.contains("drawer-open");
  const sidebar = () => document.getElementById("sidebar");
  const toggle = () => document.querySelector("[data-drawer-open]");
  // What is behind the drawer: the header, the skip link and the article.
  const behind = () => [document.querySelector(".site-header"), document.querySelector(".skip-link"), document.querySelector("#reader .reading")];

  // Bring the page in line with the state (after opening, closing, or a swap of #reader).
  function sync() {
    const open = isOpen();
    const button = toggle();
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    for (const el of behind()) if (el) el.inert = open;
  }

  function open() {
    if (!narrow.matches || isOpen()) return;
    body.classList.add("drawer-open");
    sync();
    const title = document.getElementById("sidebar-title");
    if (title) title.focus({ preventScroll: true });
  }

  function close({ returnFocus = true } = {}) {
    if (!isOpen()) return;
    body.classList.remove("drawer-open");
    sync();
    const button = toggle();
    if (returnFocus && button) button.focus({ preventScroll: true });
  }

  const somethingOver = () => {
    const panel = document.getElementById("thread-panel");
    const picker = document.getElementById("picker");
    return (panel && !panel.hidden) || (picker && !picker.hidden) || document.querySelector("dialog[open]");
  };

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target.closest("[data-drawer-open]")) {
      if (isOpen()) close();
      else open();
      return;
    }
    if (!isOpen()) return;
    if (target.closest("[data-drawer-close]")) {
      close();
    } else if (target.closest(".jump-back a")) {
      event.preventDefault(); // back to where the reading was, not to the top
      close();
    } else if (!target.closest("#sidebar, #thread-panel, #reader-notice, dialog")) {
      close({ returnFocus: false }); // a tap beside the drawer
    }
  });

  // Picking an annotation shows it in the text: the drawer closes first (captured on
  // window), so the text is no longer inert when reader.js scrolls to the highlight and
  // focuses it.
  window.addEventListener(
    "click",
    (event) => {
      if (isOpen() && event.target.closest && event.target.closest("#sidebar [data-jump]")) {
        close({ returnFocus: false });
      }
    },
    true,
  );

  // Esc closes what is on top: a thread, the picker or the keys list first (their own
  // scripts), then the drawer. Captured on window, so it sees them still open.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Escape" || !isOpen() || somethingOver()) return;
      const t = event.target;
      if (t.closest && t.closest("textarea, input[type=text]")) return; // a draft being written
      close();
    },
    true,
  );

  // A filter re-renders #reader: the new drawer stays open, the focus stays on the filter.
  let focusedName = null;
  document.body.addEventListener("htmx:beforeSwap", () => {
    const el = document.activeElement;
    focusedName = isOpen() && el && el.closest("#sidebar") && el.name ? el.name : null;
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    sync();
    if (!isOpen()) return;
    const again = focusedName && sidebar() && sidebar().querySelector(`[name="${CSS.escape(focusedName)}"]`);
    if (again) again.focus({ preventScroll: true });
    else if (!sidebar() || !sidebar().contains(document.activeElement)) {
      const title = document.getElementById("sidebar-title");
      if (title && document.activeElement === document.body) title.focus({ preventScroll: true });
    }
  });

  // Wider than 900 px the sidebar is beside the text again.
  narrow.addEventListener("change", () => {
    if (!narrow.matches) close({ returnFocus: false });
  });
})();
