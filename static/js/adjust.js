// Adjust a span: the author moves either end of their highlight, by dragging a handle
// or with the keyboard, then saves (Enter) or cancels (Esc). The thread, the verdicts
// (now on an earlier version of the claim) and the history stay with the annotation.
//
// Keys in Adjust mode: Shift+←/→ move the end, Alt+Shift+←/→ the start (Ctrl as well:
// a word at a time); on a focused handle, ←/→ move that end. Enter saves, Esc cancels.
// Offsets are code points of Article.text, as in static/js/reader.js: every paragraph
// carries data-start and holds exactly the article's characters from there.
(function () {
  "use strict";
  // Sentences in the page's language (Django's JavaScript catalog, /jsi18n/).
  const _ = window.gettext || ((s) => s);
  const fmt = (s, values) => (window.interpolate ? window.interpolate(s, values, true) : s);

  if (!document.getElementById("article-text") || !document.getElementById("picker")) return;
  const cpLength = (s) => Array.from(s).length;
  const isSpace = (ch) => /\s/u.test(ch);
  let mode = null; // {id, start, end, version, chars, active, bar, handles, opener}

  function articleChars() {
    const chars = [];
    for (const el of document.querySelectorAll("#article-text > [data-start]")) {
      const start = Number(el.dataset.start);
      while (chars.length < start) chars.push("\n");
      chars.push(...Array.from(el.tagName === "HR" ? el.dataset.text || "" : el.textContent));
    }
    return chars;
  }

  // The DOM point of a code-point offset: reader.js's, so both draw the same spans.
  const domPoint = (offset, side) => window.ClaimmarkReader.domPoint(offset, side);

  // The code-point offset of a DOM point inside a paragraph; null elsewhere.
  function offsetOf(node, offset) {
    const el = node.nodeType === 1 ? node : node.parentElement;
    const p = el && el.closest("#article-text > p[data-start]");
    if (!p) return null;
    const r = document.createRange();
    r.setStart(p, 0);
    r.setEnd(node, offset);
    return Number(p.dataset.start) + cpLength(r.toString());
  }

  function caretAt(x, y) {
    if (document.caretPositionFromPoint) {
      const pos = document.caretPositionFromPoint(x, y);
      return pos ? [pos.offsetNode, pos.offset] : null;
    }
    const range = document.caretRangeFromPoint && document.caretRangeFromPoint(x, y);
    return range ? [range.startContainer, range.startOffset] : null;
  }

  function spanRange() {
    const a = domPoint(mode.start, "start");
    const b = domPoint(mode.end, "end");
    if (!a || !b) return null;
    const range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    return range;
  }

  const quote = () => mode.chars.slice(mode.start, mode.end).join("");

  // Drawing: the span as a CSS highlight (no change to the text's markup), a handle at
  // each end, and the words in the bar.
  function paint() {
    const range = spanRange();
    if (!range) return;
    if (window.CSS && CSS.highlights && window.Highlight) CSS.highlights.set("adjust", new Highlight(range));
    const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 || r.height > 0);
    if (!rects.length) return;
    const first = rects[0];
    const last = rects[rects.length - 1];
    place(mode.handles.start, first.left, first.top, first.height, "start");
    place(mode.handles.end, last.right, last.top, last.height, "end");
    const words = quote();
    mode.bar.querySelector("[data-adjust-quote]").textContent = words.length > 160 ? `${words.slice(0, 160)}…` : words;
    mode.bar.querySelector("[data-adjust-error]").textContent = "";
  }

  function place(handle, x, top, height, side) {
    handle.style.left = `${window.scrollX + x - (side === "start" ? handle.offsetWidth : 0)}px`;
    handle.style.top = `${window.scrollY + top}px`;
    handle.style.height = `${height}px`;
  }

  // Move one end to `offset`, keeping at least one character that is not white space
  // between the ends, and no white space at them (the server trims the same way).
  function move(side, offset) {
    const chars = mode.chars;
    offset = Math.max(0, Math.min(chars.length, offset));
    let { start, end } = mode;
    if (side === "start") start = Math.min(offset, end - 1);
    else end = Math.max(offset, start + 1);
    while (start < end && isSpace(chars[start])) start++;
    while (end > start && isSpace(chars[end - 1])) end -= 1;
    if (start >= end) return;
    mode.start = start;
    mode.end = end;
    paint();
  }

  // One character, or with `word` to the next edge of a word, in `direction` (±1).
  function step(side, direction, word) {
    const chars = mode.chars;
    let at = side === "start" ? mode.start : mode.end;
    if (!word) {
      at += direction;
      // Skip white space so that each press moves onto a character that counts.
      if (side === "start") while (at > 0 && at < chars.length && isSpace(chars[at])) at += direction;
      else while (at > 0 && at < chars.length && isSpace(chars[at - 1])) at += direction;
    } else if (direction > 0) {
      while (at < chars.length && isSpace(chars[at])) at++;
      while (at < chars.length && !isSpace(chars[at])) at++;
    } else {
      while (at > 0 && isSpace(chars[at - 1])) at--;
      while (at > 0 && !isSpace(chars[at - 1])) at--;
    }
    move(side, at);
  }

  function makeHandle(side) {
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = `adjust-handle adjust-handle--${side}`;
    handle.setAttribute("aria-label", side === "start" ? _("Start of the span: ← → move it") : _("End of the span: ← → move it"));
    handle.addEventListener("focus", () => { mode.active = side; });
    handle.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      handle.focus();
      handle.dataset.dragging = "1";
    });
    handle.addEventListener("pointermove", (event) => {
      if (!handle.dataset.dragging) return;
      handle.hidden = true; // hit-test the text under the handle, not the handle
      const point = caretAt(event.clientX, event.clientY);
      handle.hidden = false;
      const offset = point && offsetOf(point[0], point[1]);
      if (offset !== null && offset !== undefined) move(side, offset);
    });
    const stop = () => { delete handle.dataset.dragging; };
    handle.addEventListener("pointerup", stop);
    handle.addEventListener("pointercancel", stop);
    document.body.appendChild(handle);
    return handle;
  }

  function makeBar() {
    const bar = document.createElement("div");
    bar.className = "adjust-bar card";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", _("Adjust the span"));
    bar.innerHTML = `
      <p class="adjust-bar__words"><strong>${_("Adjusting:")}</strong> <q data-adjust-quote aria-live="polite"></q></p>
      <p class="adjust-bar__hint muted">${_("Drag a handle, or <kbd>Shift</kbd>+<kbd>←</kbd>/<kbd>→</kbd> for the end, <kbd>Alt</kbd>+<kbd>Shift</kbd>+<kbd>←</kbd>/<kbd>→</kbd> for the start (<kbd>Ctrl</kbd>: by word).")}</p>
      <div class="adjust-bar__actions">
        <button type="button" class="btn btn--primary" data-adjust-save>${_("Save")} <kbd>Enter</kbd></button>
        <button type="button" class="btn" data-adjust-cancel>${_("Cancel")} <kbd>Esc</kbd></button>
      </div>
      <p class="form-error adjust-bar__error" data-adjust-error role="alert"></p>`;
    bar.querySelector("[data-adjust-save]").addEventListener("click", save);
    bar.querySelector("[data-adjust-cancel]").addEventListener("click", () => leave());
    document.body.appendChild(bar);
    return bar;
  }

  function showError(text) {
    const el = mode.bar.querySelector("[data-adjust-error]");
    el.textContent = text;
  }

  async function enter(id, opener) {
    if (mode) leave();
    let current;
    try {
      const response = await fetch(`/api/annotations/${id}/`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      current = await response.json();
      if (!response.ok) throw new Error(current.detail || _("This annotation cannot be read."));
    } catch (error) {
      window.alert(error.message);
      return;
    }
    mode = {
      id, opener, start: current.start, end: current.end, version: current.version,
      chars: articleChars(), active: "end", handles: {},
    };
    document.body.classList.add("is-adjusting");
    // In this order, so Tab goes start handle, end handle, Save, Cancel.
    mode.handles.start = makeHandle("start");
    mode.handles.end = makeHandle("end");
    mode.bar = makeBar();
    paint();
    mode.handles.end.scrollIntoView({ block: "center" });
    paint();
    mode.handles.end.focus({ preventScroll: true });
  }

  function leave() {
    if (!mode) return;
    if (window.CSS && CSS.highlights) CSS.highlights.delete("adjust");
    mode.bar.remove();
    mode.handles.start.remove();
    mode.handles.end.remove();
    document.body.classList.remove("is-adjusting");
    const opener = mode.opener;
    mode = null;
    if (opener && opener.isConnected) opener.focus();
  }

  function csrf() {
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function save() {
    if (!mode || mode.saving) return;
    const reader = document.getElementById("reader");
    const url = reader.dataset.adjustUrl.replace("/0/", `/${mode.id}/`);
    const body = new URLSearchParams({ start: mode.start, end: mode.end, quote: quote(), version: mode.version });
    mode.saving = true;
    try {
      const response = await fetch(url, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf() },
      });
      const data = await response.json().catch(() => ({ detail: _("The server did not answer; try again.") }));
      if (!response.ok) {
        showError(data.detail || _("The span could not be saved."));
        return;
      }
      if (window.ClaimmarkReader) window.ClaimmarkReader.applyEvent(data.event, { own: true });
      const id = mode.id;
      leave();
      const jump = document.querySelector(`#ann-${id} .ann-item__jump`);
      if (jump) jump.focus();
    } catch (error) {
      showError(_("The server could not be reached; your change is not saved. Try again."));
    } finally {
      if (mode) mode.saving = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".ann-item__adjust");
    if (!button) return;
    const item = button.closest(".ann-item");
    const id = Number(button.dataset.adjust || (item && item.dataset.id));
    if (id) enter(id, button);
  });

  document.addEventListener("keydown", (event) => {
    if (!mode) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopImmediatePropagation();
      leave();
      return;
    }
    if (event.key === "Enter") {
      // Enter on Cancel cancels; anywhere else in Adjust mode it saves.
      if (event.target.closest && event.target.closest("[data-adjust-cancel]")) return;
      event.preventDefault();
      save();
      return;
    }
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const onHandle = event.target.classList && event.target.classList.contains("adjust-handle");
    if (!event.shiftKey && !onHandle) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    let side = mode.active;
    if (event.shiftKey) side = event.altKey ? "start" : "end";
    step(side, event.key === "ArrowRight" ? 1 : -1, event.ctrlKey || event.metaKey);
    mode.active = side;
  }, true);

  window.addEventListener("resize", () => { if (mode) paint(); });
})();
