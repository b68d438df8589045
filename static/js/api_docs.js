// The API docs page: Swagger UI's own dark style (the html.dark-mode rules of its
// swagger-ui.css) in step with the site's theme, which theme.js keeps on <html>.
(function () {
  "use strict";
  const root = document.documentElement;
  const sync = () => root.classList.toggle("dark-mode", root.dataset.theme === "dark");
  sync();
  new MutationObserver(sync).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
})();
