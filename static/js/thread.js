// The discussion panel beside the reader. A highlight, an entry of the overlap chooser
// or a sidebar "Discuss" link loads the annotation's thread into #thread-panel through
// htmx; the panel's own forms swap the thread in place. A comment or verdict posted here
// comes back with its change ("claimmark:event"), which the reader applies like any
// other; others' activity on the open thread reloads it unless a draft is being written.
// Typing in the panel tells the others who is writing.
(function () {
  "use strict";
  // Sentences in the page's language (Django's JavaScript catalog, /jsi18n/).
  const _ = window.gettext || ((s) => s);
  const fmt = (s, values) => (window.interpolate ? window.interpolate(s, values, true) : s);

  const panel = document.getElementById("thread-panel");
  if (!panel || !window.htmx) return;
  let opener = null;

  function currentId() {
    const thread = panel.querySelector("#thread");
    return thread ? Number(thread.dataset.annotation) : null;
  }

  function open(id, from) {
    opener = from || document.activeElement;
    const url = panel.dataset.threadUrl.replace("/0/", "/" + encodeURIComponent(id) + "/");
    window.htmx.ajax("GET", url, { target: panel, swap: "innerHTML" });
  }
  window.ClaimmarkThread = { open };

  function close() {
    stopTyping();
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
    if (heading && event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      heading.focus({ preventScroll: true });
    }
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
      event.preventDefault();
      open(link.dataset.threadOpen, link);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || panel.hidden) return;
    // Escape in a half-written comment should not throw the draft away.
    if (event.target.closest && event.target.closest("textarea, input, select")) return;
    close();
  });

  // My own comment or verdict: the reader applies its change at once.
  document.body.addEventListener("claimmark:event", (event) => {
    if (window.ClaimmarkReader) window.ClaimmarkReader.applyEvent(event.detail, { own: true });
  });

  // Someone else's comment or verdict on the open thread.
  document.addEventListener("claimmark:thread-activity", (event) => {
    if (panel.hidden || currentId() !== Number(event.detail.annotation)) return;
    const drafting = Array.from(panel.querySelectorAll("textarea")).some((t) => t.value.trim());
    if (!drafting) {
      open(currentId(), opener);
      return;
    }
    const box = panel.querySelector(".thread__activity");
    if (box) box.hidden = false;
  });

  // Typing ------------------------------------------------------------------------------
  let typingFor = null;
  let lastSent = 0;

  function stopTyping() {
    if (typingFor !== null && window.ClaimmarkReader) window.ClaimmarkReader.typing(null);
    typingFor = null;
    lastSent = 0;
  }

  panel.addEventListener("input", (event) => {
    if (!event.target.matches("textarea") || !window.ClaimmarkReader) return;
    const id = currentId();
    const now = Date.now();
    if (id !== typingFor || now - lastSent > 3000) {
      typingFor = id;
      lastSent = now;
      window.ClaimmarkReader.typing(id);
    }
  });
  panel.addEventListener("focusout", (event) => {
    if (event.target.matches("textarea") && !panel.contains(event.relatedTarget)) stopTyping();
  });
  panel.addEventListener("submit", () => stopTyping());

  const typingTimers = new Map();
  document.addEventListener("claimmark:typing", (event) => {
    const t = event.detail;
    const box = panel.querySelector(".thread__typing");
    if (!box) return;
    clearTimeout(typingTimers.get(t.username));
    const others = new Set((box.dataset.who || "").split(" ").filter(Boolean));
    if (t.annotation && t.annotation === currentId()) {
      others.add(t.username);
      typingTimers.set(t.username, setTimeout(() => {
        document.dispatchEvent(new CustomEvent("claimmark:typing", { detail: { username: t.username, annotation: null } }));
      }, 8000));
    } else {
      others.delete(t.username);
    }
    box.dataset.who = Array.from(others).join(" ");
    box.textContent = others.size ? fmt(others.size === 1 ? _("%(names)s is typing…") : _("%(names)s are typing…"), { names: Array.from(others).join(", ") }) : "";
  });
})();
