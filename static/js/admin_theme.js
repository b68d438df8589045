// The Django admin in Claimmark's theme. Django's own admin/js/theme.js (loaded right
// after this) reads localStorage "theme": "light", "dark" or "auto" (the system's
// prefers-color-scheme). Before it runs, this hands it the site's choice (theme.js keeps
// it in "claimmark-theme"; none means follow the system). The admin's own toggle cycles
// auto, light and dark; what it picks becomes the site's choice too.
(function () {
  "use strict";
  const KEY = "claimmark-theme";
  try {
    const ours = window.localStorage.getItem(KEY);
    window.localStorage.setItem("theme", ours === "dark" || ours === "light" ? ours : "auto");
  } catch (e) {
    return; // storage refused: the admin follows the system, as the site does
  }

  // Bubbling to the document, after the admin's handler on the button itself has run.
  document.addEventListener("click", (event) => {
    if (!event.target.closest || !event.target.closest(".theme-toggle")) return;
    const mode = window.localStorage.getItem("theme");
    if (mode === "dark" || mode === "light") {
      window.localStorage.setItem(KEY, mode);
      document.cookie = `theme=${mode}; path=/; max-age=31536000; SameSite=Lax`;
    } else {
      window.localStorage.removeItem(KEY);
      document.cookie = "theme=; path=/; max-age=0; SameSite=Lax";
    }
  });
})();
