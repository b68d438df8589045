// Keyboard flow of the review queue (issue 4): j/k move between items, a agrees,
// d opens the disagreement with its reason field. After a verdict the server sends the
// queue back without the reviewed item, so the same position holds the next one.
// In the disputed tab a curator presses a tag's key (f/o/s) to choose the final tag,
// writes the reason and settles with Ctrl+Enter; the settled item leaves the list.
(function () {
  "use strict";

  let index = 0;

  function items() {
    return Array.from(document.querySelectorAll("#queue .queue-item[data-id]"));
  }

  function select(i, { focus = true } = {}) {
    const list = items();
    if (!list.length) return null;
    index = Math.max(0, Math.min(i, list.length - 1));
    list.forEach((item, n) => item.classList.toggle("is-current", n === index));
    const current = list[index];
    if (focus) {
      current.focus({ preventScroll: true });
      current.scrollIntoView({ block: "nearest" });
    }
    return current;
  }

  function current() {
    return items()[index] || null;
  }

  document.addEventListener("keydown", (event) => {
    if (!document.getElementById("queue") || event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches("[data-reason]")) {
        event.preventDefault();
        const form = event.target.closest("form");
        const submit = form.querySelector('button[value="disagree"], button[data-settle]');
        if (form.reportValidity()) submit.click();
      }
      return;
    }
    const inField = event.target.closest && event.target.closest("textarea, input, select");
    if (inField) {
      if (event.key === "Escape") {
        const item = inField.closest(".queue-item");
        const details = inField.closest("details");
        if (details) details.open = false;
        if (item) item.focus();
      }
      return;
    }
    const item = current();
    switch (event.key) {
      case "j":
        event.preventDefault();
        select(index + 1);
        break;
      case "k":
        event.preventDefault();
        select(index - 1);
        break;
      case "a": {
        const agree = item && item.querySelector('button[value="agree"]');
        if (!agree) return;
        event.preventDefault();
        agree.click();
        break;
      }
      case "d": {
        const details = item && item.querySelector("details.disagree");
        if (!details) return;
        event.preventDefault();
        details.open = true;
        item.querySelector("[data-reason]").focus();
        break;
      }
      default: {
        // A tag's key in the disputed tab: that tag as the final one, then the reason.
        const choice = item && item.querySelector(`input[data-shortcut="${CSS.escape(event.key)}"]`);
        if (!choice) return;
        event.preventDefault();
        choice.checked = true;
        item.querySelector("[data-reason]").focus();
      }
    }
  });

  document.addEventListener("click", (event) => {
    const item = event.target.closest && event.target.closest("#queue .queue-item[data-id]");
    if (item) select(items().indexOf(item), { focus: false });
  });

  // htmx:load fires on the new #queue once it is in the page (after an outerHTML swap
  // the old element, and events on it, are gone).
  let afterVerdict = false;
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    afterVerdict = event.detail.requestConfig.verb === "post";
  });
  if (window.htmx) {
    window.htmx.onLoad((elt) => {
      if (elt.id !== "queue") return;
      // A verdict keeps the position, which now holds the next item; a tab starts at the top.
      select(afterVerdict ? index : 0, { focus: afterVerdict });
      afterVerdict = false;
    });
  }

  select(0, { focus: false });
})();
