// The discussion panel beside the reader (issue 4). A highlight, an entry of the overlap
// chooser or a sidebar "Discuss" link loads the annotation's thread into #thread-panel
// through htmx; the panel's own forms swap the thread in place. When a comment or verdict
// changes, the server sends "claimmark:annotation-changed" and the reader reloads its
// sidebar so counts and statuses stay true.
(function () {
  "use strict";

  const panel = document.getElementById("thread-panel");
  if (!panel || !window.htmx) return;
  let opener = null;

  function open(id, from) {
    opener = from || document.activeElement;
    const url = panel.dataset.threadUrl.replace("/0/", "/" + encodeURIComponent(id) + "/");
    window.htmx.ajax("GET", url, { target: panel, swap: "innerHTML" });
  }

  function close() {
    panel.hidden = true;
    panel.replaceChildren();
    document.body.classList.remove("has-thread");
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    panel.hidden = false;
    document.body.classList.add("has-thread");
    const heading = panel.querySelector("#thread-title");
    if (heading) heading.focus({ preventScroll: true });
  });

  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-thread-close]");
    if (closer && panel.contains(closer)) {
      event.preventDefault();
      close();
      return;
    }
    const link = event.target.closest("[data-thread-open]");
    if (link) {
      opener = link; // htmx loads it through the link's hx-get
      return;
    }
    const choose = event.target.closest("[data-choose]");
    if (choose) {
      open(choose.dataset.choose, document.getElementById("ann-" + choose.dataset.choose));
      return;
    }
    const mark = event.target.closest("#article-text mark[data-ids]");
    const selection = window.getSelection();
    if (mark && (!selection || selection.isCollapsed)) {
      const ids = mark.dataset.ids.split(" ");
      if (ids.length === 1) open(ids[0], mark);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || panel.hidden) return;
    // Escape in a half-written comment should not throw the draft away.
    if (event.target.closest && event.target.closest("textarea, input, select")) return;
    close();
  });

  document.body.addEventListener("claimmark:annotation-changed", () => {
    if (document.getElementById("reader")) {
      window.htmx.ajax("GET", window.location.href, { target: "#reader", swap: "outerHTML" });
    }
  });
})();
