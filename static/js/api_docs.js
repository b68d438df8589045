// The API docs page: Swagger UI's own dark style (the html.dark-mode rules of its
// swagger-ui.css) in step with the site's theme, which theme.js keeps on <html>.
// And two repairs of Swagger UI's markup for assistive technology, made as it renders:
// its headings skip a level (the title is an h1, then the tags are h3s), so each
// heading below the title is announced one level up; and its header (title and
// description) lies outside every landmark, so it is marked as the page's banner.
(function () {
  "use strict";
  const root = document.documentElement;
  const sync = () => root.classList.toggle("dark-mode", root.dataset.theme === "dark");
  sync();
  new MutationObserver(sync).observe(root, { attributes: true, attributeFilter: ["data-theme"] });

  function repair() {
    const docs = document.getElementById("swagger-ui");
    if (!docs || docs.querySelector("h2")) return;
    for (const heading of docs.querySelectorAll("h3, h4, h5, h6")) {
      if (!heading.hasAttribute("aria-level")) {
        heading.setAttribute("aria-level", String(Number(heading.tagName[1]) - 1));
      }
    }
    const info = docs.querySelector(".information-container");
    if (info && !info.hasAttribute("role")) info.setAttribute("role", "banner");
  }
  document.addEventListener("DOMContentLoaded", () => {
    const docs = document.getElementById("swagger-ui");
    if (!docs) return;
    new MutationObserver(repair).observe(docs, { childList: true, subtree: true });
    repair();
  });
})();
