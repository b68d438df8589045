// Light or dark, before the first paint. Loaded in <head> without defer, so the page is
// never drawn in the wrong theme. The choice, once made with the header's toggle, is kept
// in localStorage (and a cookie, so the server could read it); until then the page
// follows the system's prefers-color-scheme, also when that changes.
(function () {
  "use strict";

  const root = document.documentElement;
  const media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  const KEY = "claimmark-theme";

  function stored() {
    try {
      const value = window.localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (e) {
      return null; // storage refused (private mode): follow the system
    }
  }

  const system = () => (media && media.matches ? "dark" : "light");

  function apply(theme) {
    root.dataset.theme = theme;
    const button = document.getElementById("theme-toggle");
    if (button) {
      button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
    }
  }

  apply(stored() || system());
  if (media && media.addEventListener) {
    media.addEventListener("change", () => {
      if (!stored()) apply(system());
    });
  }

  function toggle() {
    const next = root.dataset.theme === "dark" ? "light" : "dark";
    try {
      window.localStorage.setItem(KEY, next);
    } catch (e) {
      // not kept past this page; the cookie below still is
    }
    document.cookie = `theme=${next}; path=/; max-age=31536000; SameSite=Lax`;
    apply(next);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("theme-toggle");
    if (!button) return;
    button.hidden = false;
    apply(root.dataset.theme);
    button.addEventListener("click", toggle);
  });
  window.ClaimmarkTheme = { toggle };
})();
