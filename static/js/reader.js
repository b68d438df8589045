// The reader: turn a browser selection into code-point offsets of Article.text, show the
// tag picker, and link highlights with their sidebar items.
//
// Browsers count UTF-16 code units; the server counts Unicode code points. Every rendered
// run of text carries data-start (its offset in code points), so an offset is the run's
// data-start plus the code points of the run's text before the boundary.
(function () {
  "use strict";

  const sourceEl = document.getElementById("article-source");
  const picker = document.getElementById("picker");
  const chooser = document.getElementById("chooser");
  if (!sourceEl || !picker) return;

  const codePoints = Array.from(JSON.parse(sourceEl.textContent));
  const form = document.getElementById("picker-form");
  const quoteEl = document.getElementById("picker-quote");
  const errorEl = document.getElementById("picker-error");
  const SEGMENTS = "#article-text span[data-start], #article-text mark[data-start]";

  const cpLength = (s) => Array.from(s).length;
  const isSpace = (ch) => /\s/u.test(ch);

  function segments() {
    return Array.from(document.querySelectorAll(SEGMENTS));
  }

  function segmentRange(seg) {
    const r = document.createRange();
    r.selectNodeContents(seg);
    return r;
  }

  // Offset in code points of a DOM boundary point, clipped to the article. `side` says
  // which way to snap a point that falls between runs or outside the article:
  // "start" snaps forward to the next run, "end" snaps back to the previous one.
  function pointToOffset(segs, node, offset, side) {
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const seg = segs[mid];
      const where = segmentRange(seg).comparePoint(node, offset);
      if (where === 0) {
        const r = document.createRange();
        r.setStart(seg, 0);
        r.setEnd(node, offset);
        return Number(seg.dataset.start) + cpLength(r.toString());
      }
      if (where < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    // The point lies before segs[lo] and after segs[hi].
    if (side === "start") {
      return lo < segs.length ? Number(segs[lo].dataset.start) : null;
    }
    if (hi < 0) return null;
    const seg = segs[hi];
    return Number(seg.dataset.start) + cpLength(seg.textContent);
  }

  function selectionOffsets() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const article = document.getElementById("article-text");
    if (!article || !range.intersectsNode(article)) return null;
    const segs = segments();
    if (!segs.length) return null;
    let start = pointToOffset(segs, range.startContainer, range.startOffset, "start");
    let end = pointToOffset(segs, range.endContainer, range.endOffset, "end");
    if (start === null || end === null) return null;
    while (start < end && isSpace(codePoints[start])) start++;
    while (end > start && isSpace(codePoints[end - 1])) end--;
    if (start >= end) return null;
    return { start, end, quote: codePoints.slice(start, end).join(""), range };
  }

  function placeNear(el, rect) {
    el.hidden = false;
    const width = el.offsetWidth;
    const left = Math.max(8, Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - width - 8));
    el.style.left = left + "px";
    el.style.top = window.scrollY + rect.bottom + 8 + "px";
  }

  function openPicker(found) {
    closeChooser();
    form.elements.start.value = found.start;
    form.elements.end.value = found.end;
    form.elements.quote.value = found.quote;
    quoteEl.textContent = found.quote.length > 140 ? found.quote.slice(0, 137) + "…" : found.quote;
    errorEl.textContent = "";
    const rects = found.range.getClientRects();
    placeNear(picker, rects.length ? rects[rects.length - 1] : found.range.getBoundingClientRect());
    picker.classList.add("is-open");
  }

  function closePicker() {
    picker.hidden = true;
    picker.classList.remove("is-open");
    form.elements.note.value = "";
    errorEl.textContent = "";
  }

  function closeChooser() {
    if (chooser) {
      chooser.hidden = true;
      chooser.replaceChildren();
    }
  }

  function activate(id, { scrollText = false, scrollList = true } = {}) {
    document.querySelectorAll(".is-active").forEach((el) => el.classList.remove("is-active"));
    const marks = Array.from(document.querySelectorAll("#article-text mark[data-ids]")).filter((m) =>
      m.dataset.ids.split(" ").includes(String(id))
    );
    marks.forEach((m) => m.classList.add("is-active"));
    const item = document.getElementById("ann-" + id);
    if (item) {
      item.classList.add("is-active");
      if (scrollList) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    } else {
      // The sidebar shows a page at a time: load it up to this annotation, then mark it.
      const more = document.querySelector(".ann-more [data-more]");
      if (more && window.htmx) {
        window.htmx
          .ajax("GET", more.dataset.more + "&through=" + encodeURIComponent(id), {
            target: more.closest("li"),
            swap: "outerHTML",
          })
          .then(() => {
            if (document.getElementById("ann-" + id)) activate(id, { scrollText, scrollList });
          });
      }
    }
    if (scrollText && marks.length) marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function openChooser(mark) {
    const ids = mark.dataset.ids.split(" ");
    chooser.replaceChildren();
    for (const id of ids) {
      const item = document.getElementById("ann-" + id);
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.dataset.choose = id;
      const tag = item ? item.querySelector(".tag-chip").textContent : "";
      const who = item ? item.dataset.author : "";
      const quote = item ? item.querySelector(".ann-item__quote").textContent : "";
      button.textContent = `${tag} · ${who} · “${quote.slice(0, 50)}${quote.length > 50 ? "…" : ""}”`;
      chooser.appendChild(button);
    }
    placeNear(chooser, mark.getBoundingClientRect());
    chooser.querySelector("button").focus();
  }

  document.addEventListener("mouseup", (event) => {
    if (picker.contains(event.target) || (chooser && chooser.contains(event.target))) return;
    // Let the browser finish updating the selection first.
    setTimeout(() => {
      const found = selectionOffsets();
      if (found) openPicker(found);
    }, 0);
  });

  document.addEventListener("keyup", (event) => {
    // Keyboard selection (Shift + arrows with caret browsing) opens the picker too.
    if (event.key === "Shift" || (event.shiftKey && event.key.startsWith("Arrow"))) {
      const found = selectionOffsets();
      if (found) openPicker(found);
    }
  });

  document.addEventListener("click", (event) => {
    const jump = event.target.closest("[data-jump]");
    if (jump) {
      activate(jump.dataset.jump, { scrollText: true, scrollList: false });
      return;
    }
    const cancel = event.target.closest("[data-cancel-edit]");
    if (cancel) {
      event.preventDefault();
      cancel.closest(".ann-edit").remove();
      return;
    }
    const choose = event.target.closest("[data-choose]");
    if (choose) {
      activate(choose.dataset.choose);
      closeChooser();
      return;
    }
    const mark = event.target.closest("#article-text mark[data-ids]");
    const sel = window.getSelection();
    if (mark && (!sel || sel.isCollapsed)) {
      const ids = mark.dataset.ids.split(" ");
      if (ids.length === 1) activate(ids[0]);
      else openChooser(mark);
      return;
    }
    if (chooser && !chooser.hidden && !chooser.contains(event.target)) closeChooser();
    if (!picker.hidden && !picker.contains(event.target) && (!sel || sel.isCollapsed)) closePicker();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (!picker.hidden) closePicker();
      closeChooser();
      return;
    }
    if (picker.hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("textarea, input, select")) return;
    const button = form.querySelector(`button[data-shortcut="${CSS.escape(event.key.toLowerCase())}"]`);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  // Keyboard selection. With the text focused (Tab), ArrowRight and ArrowLeft select the
  // next or previous word, Shift extends the selection word by word, and the picker's
  // keys then tag it, so a person never needs the mouse.
  const words = [];
  for (let i = 0; i < codePoints.length; ) {
    while (i < codePoints.length && isSpace(codePoints[i])) i++;
    const start = i;
    while (i < codePoints.length && !isSpace(codePoints[i])) i++;
    if (i > start) words.push([start, i]);
  }
  let anchorWord = null;
  let focusWord = null;
  let keyboardMode = false;

  // The DOM point of a code-point offset: the run that holds it, and the UTF-16 offset in
  // its text. An end offset at a run's edge belongs to the run before.
  function domPoint(offset, side) {
    const segs = segments();
    let seg = null;
    for (let lo = 0, hi = segs.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      const start = Number(segs[mid].dataset.start);
      const end = start + cpLength(segs[mid].textContent);
      const inside = side === "end" ? start < offset && offset <= end : start <= offset && offset < end;
      if (inside) {
        seg = segs[mid];
        break;
      }
      if (offset < start || (side === "end" && offset === start)) hi = mid - 1;
      else lo = mid + 1;
    }
    if (!seg) return null;
    const node = seg.firstChild;
    let units = 0;
    for (let n = offset - Number(seg.dataset.start); n > 0; n--) {
      units += node.data.codePointAt(units) > 0xffff ? 2 : 1;
    }
    return [node, units];
  }

  function selectWords() {
    const [lo, hi] = anchorWord <= focusWord ? [anchorWord, focusWord] : [focusWord, anchorWord];
    const start = domPoint(words[lo][0], "start");
    const end = domPoint(words[hi][1], "end");
    if (!start || !end) return;
    window.getSelection().setBaseAndExtent(start[0], start[1], end[0], end[1]);
    const found = selectionOffsets();
    if (found) openPicker(found);
    const edge = (anchorWord <= focusWord ? end : start)[0].parentElement;
    edge.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.id !== "article-text" || !words.length) return;
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault();
    keyboardMode = true;
    const step = event.key === "ArrowRight" ? 1 : -1;
    const clamp = (n) => Math.max(0, Math.min(words.length - 1, n));
    if (focusWord === null) {
      anchorWord = focusWord = step > 0 ? 0 : words.length - 1;
    } else if (event.shiftKey) {
      focusWord = clamp(focusWord + step);
    } else {
      anchorWord = focusWord = clamp(focusWord + step);
    }
    selectWords();
  });

  document.body.addEventListener("htmx:afterSettle", (event) => {
    // After a keyboard save the text is new: give it focus back and go on from there.
    if (keyboardMode && event.detail.target && event.detail.target.id === "reader") {
      const text = document.getElementById("article-text");
      if (text) text.focus({ preventScroll: true });
      if (focusWord !== null) anchorWord = focusWord;
    }
  });

  // A saved annotation replaces the reader; close the picker and forget the selection.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt === form && event.detail.successful) {
      closePicker();
      const sel = window.getSelection();
      if (sel) sel.removeAllRanges();
    }
  });
})();
