// "Select the words again": turn a selection in the article text into code-point offsets
// and offer to anchor the annotation there. The same conversion as the reader's (every
// rendered paragraph carries data-start in code points and holds exactly the text from
// there); kept apart from reader.js, which also paints live changes. Without JavaScript the page still offers suggestions and typing.
(function () {
  "use strict";

  const sourceEl = document.getElementById("article-source");
  const form = document.getElementById("anchor-selection");
  const root = document.getElementById("article-text");
  if (!sourceEl || !form || !root) return;

  const codePoints = Array.from(JSON.parse(sourceEl.textContent));
  const shown = document.getElementById("anchor-selected");
  const hint = document.getElementById("anchor-select-hint");
  const cpLength = (s) => Array.from(s).length;
  const isSpace = (ch) => /\s/u.test(ch);

  function runs() {
    return Array.from(root.querySelectorAll(":scope > p[data-start]"));
  }

  // The code-point offset of a DOM boundary point; points between runs snap forward
  // ("start") or back ("end").
  function offsetOf(segs, node, offset, side) {
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = document.createRange();
      range.selectNodeContents(segs[mid]);
      const where = range.comparePoint(node, offset);
      if (where === 0) {
        const before = document.createRange();
        before.setStart(segs[mid], 0);
        before.setEnd(node, offset);
        return Number(segs[mid].dataset.start) + cpLength(before.toString());
      }
      if (where < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    if (side === "start") return lo < segs.length ? Number(segs[lo].dataset.start) : null;
    if (hi < 0) return null;
    return Number(segs[hi].dataset.start) + cpLength(segs[hi].textContent);
  }

  function update() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const range = sel.getRangeAt(0);
    if (!range.intersectsNode(root)) return;
    const segs = runs();
    let start = offsetOf(segs, range.startContainer, range.startOffset, "start");
    let end = offsetOf(segs, range.endContainer, range.endOffset, "end");
    if (start === null || end === null) return;
    while (start < end && isSpace(codePoints[start])) start++;
    while (end > start && isSpace(codePoints[end - 1])) end--;
    if (start >= end) return;
    const quote = codePoints.slice(start, end).join("");
    form.elements.start.value = start;
    form.elements.end.value = end;
    form.elements.quote.value = quote;
    shown.textContent = quote.length > 200 ? quote.slice(0, 197) + "…" : quote;
    form.hidden = false;
    if (hint) hint.hidden = true;
  }

  document.addEventListener("mouseup", update);
  document.addEventListener("touchend", update);
  document.addEventListener("keyup", (event) => {
    if (event.shiftKey) update();
  });
})();
