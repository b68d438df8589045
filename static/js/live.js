// The header's unread badge, kept current without reloading. The reader's own stream
// carries the count ("claimmark:badge"); every other page opens a small stream of its own.
(function () {
  "use strict";

  const link = document.getElementById("unread-link");
  if (!link) return;

  function show(unread) {
    const badge = link.querySelector(".badge");
    badge.hidden = !unread;
    badge.querySelector("[data-unread]").textContent = unread;
  }

  document.addEventListener("claimmark:badge", (event) => show(event.detail.unread));

  if (document.getElementById("reader") || !link.dataset.stream || !window.EventSource) return;
  const source = new EventSource(link.dataset.stream);
  source.addEventListener("hello", (e) => {
    link.dataset.live = "1";
    show(JSON.parse(e.data).unread);
  });
  source.addEventListener("badge", (e) => show(JSON.parse(e.data).unread));
  window.addEventListener("pagehide", () => source.close());
})();
