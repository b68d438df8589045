// The live reader. It turns a browser selection into code-point offsets of Article.text
// and tags it; it applies every change (its own, and everyone else's from the event
// stream) as a small delta: a repainted paragraph, a sidebar item, a count.
//
// Offsets: browsers count UTF-16 code units, the server counts Unicode code points.
// Every paragraph carries data-start (its offset in code points) and holds exactly the
// article's characters from there, so an offset is data-start plus the code points
// before the point inside the paragraph.
//
// Highlights: renderBlock() below draws a paragraph exactly as annotator/rendering.py
// does (a browser test compares the two), from the reader data: every annotation's
// span, tag, author and status.
(function () {
  "use strict";

  const picker = document.getElementById("picker");
  const chooser = document.getElementById("chooser");
  if (!picker || !document.getElementById("article-text")) return;
  const form = document.getElementById("picker-form");
  const quoteEl = document.getElementById("picker-quote");
  const errorEl = document.getElementById("picker-error");
  const agreeEl = document.getElementById("picker-agree");
  const csrf = () => form.querySelector("[name=csrfmiddlewaretoken]").value;
  // The article's text, in code points, read back from the page: paragraphs hold their
  // characters, section breaks keep theirs in data-text, and only newlines lie between.
  function articleText() {
    const chars = [];
    for (const el of document.querySelectorAll("#article-text > [data-start]")) {
      const start = Number(el.dataset.start);
      while (chars.length < start) chars.push("\n");
      chars.push(...Array.from(el.tagName === "HR" ? el.dataset.text || "" : el.textContent));
    }
    return chars;
  }
  const codePoints = articleText();
  const cpLength = (s) => Array.from(s).length;
  // Scrolls glide, unless the person asked their system for less motion.
  const glide = () => (window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth");
  const isSpace = (ch) => /\s/u.test(ch);
  const STATUS_SIGN = { pending: "○", accepted: "✓", disputed: "⚑" };
  // Sentences in the page's language (Django's JavaScript catalog, /jsi18n/).
  const _ = window.gettext || ((s) => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const fmt = (s, values) => (window.interpolate ? window.interpolate(s, values, true) : s);
  const STATUS_LABEL = { pending: _("Pending"), accepted: _("Accepted"), disputed: _("Disputed"), settled: _("Settled") };

  // Reader data ------------------------------------------------------------------------
  let reader = null; // #reader element
  let state = null; // {me, filters, tags, rows: Map(id -> row), seen: Set(event ids)}
  const seen = new Set(); // event ids applied (own responses and the stream)
  let lastEventId = 0;

  function load() {
    reader = document.getElementById("reader");
    const raw = JSON.parse(document.getElementById("reader-data").textContent);
    const rows = new Map();
    let start = 0;
    for (let i = 0; i < raw.rows.length; i += 7) {
      const [id, delta, length, tag, author, status, reviewed] = raw.rows.slice(i, i + 7);
      start += delta;
      rows.set(id, {
        id, start, end: start + length,
        tag: raw.tags[tag],
        author: raw.authors[author],
        status: raw.statuses[status],
        reviewed: !!reviewed,
      });
    }
    for (const id of raw.moved || []) if (rows.has(id)) rows.get(id).moved = true;
    state = { me: raw.me, filters: raw.filters || {}, tags: raw.tags, rows };
    lastEventId = Math.max(lastEventId, Number(reader.dataset.since || 0));
  }

  function passes(row) {
    const f = state.filters;
    if (f.tag && row.tag !== f.tag) return false;
    if (f.author && row.author !== f.author) return false;
    // As annotator/selectors/reader.passes: a settled claim needs no more verdicts,
    // and "agreed" is accepted or settled.
    if (f.status === "needs-review") return row.author !== state.me && !row.reviewed && row.status !== "settled";
    if (f.status === "agreed") return row.status === "accepted" || row.status === "settled";
    return !f.status || row.status === f.status;
  }

  // Offsets ----------------------------------------------------------------------------
  function blocksEls() {
    return Array.from(document.querySelectorAll("#article-text > p[data-start], #article-text > hr[data-start]"));
  }

  function paraOf(node) {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return el && el.closest("#article-text > p[data-start]");
  }

  // Offset in code points of a DOM boundary point, clipped to the article. A point
  // between paragraphs (or outside the text) snaps forward for a start, back for an end.
  function pointToOffset(node, offset, side) {
    const p = paraOf(node);
    if (p) {
      const r = document.createRange();
      r.setStart(p, 0);
      r.setEnd(node, offset);
      return Number(p.dataset.start) + cpLength(r.toString());
    }
    const paras = Array.from(document.querySelectorAll("#article-text > p[data-start]"));
    let before = null;
    let after = null;
    for (const para of paras) {
      const r = document.createRange();
      r.selectNodeContents(para);
      if (r.comparePoint(node, offset) < 0) { after = para; break; }
      before = para;
    }
    if (side === "start") return after ? Number(after.dataset.start) : null;
    return before ? Number(before.dataset.start) + cpLength(before.textContent) : null;
  }

  function selectionOffsets() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const article = document.getElementById("article-text");
    if (!article || !range.intersectsNode(article)) return null;
    let start = pointToOffset(range.startContainer, range.startOffset, "start");
    let end = pointToOffset(range.endContainer, range.endOffset, "end");
    if (start === null || end === null) return null;
    while (start < end && isSpace(codePoints[start])) start++;
    while (end > start && isSpace(codePoints[end - 1])) end--;
    if (start >= end) return null;
    return { start, end, quote: codePoints.slice(start, end).join(""), range };
  }

  // The DOM point of a code-point offset inside its paragraph.
  function domPoint(offset, side) {
    const p = Array.from(document.querySelectorAll("#article-text > p[data-start]")).find((el) => {
      const s = Number(el.dataset.start);
      const e = s + cpLength(el.textContent);
      return side === "end" ? s < offset && offset <= e : s <= offset && offset < e;
    });
    if (!p) return null;
    let left = offset - Number(p.dataset.start);
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    let last = null;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const n = cpLength(node.data);
      last = node;
      if (left < n || (side === "end" && left === n)) {
        let units = 0;
        for (let i = 0; i < left; i++) units += node.data.codePointAt(units) > 0xffff ? 2 : 1;
        return [node, units];
      }
      left -= n;
    }
    return last ? [last, last.data.length] : null;
  }

  // Drawing highlights (the same as annotator/rendering.py) ------------------------------
  const escapeHtml = (s) =>
    s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]);

  // A highlight not yet confirmed by the server is a <span data-pending>, so nothing
  // mistakes it for a saved annotation; the confirmed one replaces it.
  const element = (span) => (span.id < 0 ? "span" : "mark");

  function openStart(span, extra) {
    if (span.id < 0) return `<span class="hl tag-${span.tag}${extra}" data-pending="">`;
    let status = ["accepted", "disputed", "settled"].includes(span.status) ? ` data-status="${span.status}"` : "";
    if (span.moved) status += ' data-anchor="moved"';
    return `<mark class="hl tag-${span.tag}${extra}" data-annotation-id="${span.id}"${status}>`;
  }

  // Shortest first, then newest: the annotation whose colour a piece shows.
  const innerOrder = (a, b) => (a.end - a.start) - (b.end - b.start) || b.id - a.id;

  // prevEnd: where the previous paragraph ends. A span that began before it continues
  // here; one that began in the white space between paragraphs starts here.
  function renderBlock(text, bStart, bEnd, spans, prevEnd) {
    const points = new Set([bStart, bEnd]);
    for (const s of spans) {
      if (bStart < s.start && s.start < bEnd) points.add(s.start);
      if (bStart < s.end && s.end < bEnd) points.add(s.end);
    }
    const sorted = Array.from(points).sort((a, b) => a - b);
    const out = [];
    let active = [];
    let index = 0;
    let run = null; // {lo, starting, inner, overlap}
    const slice = (a, b) => escapeHtml(text.slice(a - bStart, b - bStart).join(""));
    const flush = (until) => {
      if (!run) return;
      const chunk = slice(run.lo, until);
      const { starting, inner, overlap } = run;
      if (starting.length) {
        let html = starting.map((s) => openStart(s, s === inner ? overlap : "")).join("");
        const closing = starting.map((s) => `</${element(s)}>`).reverse();
        if (inner && !starting.includes(inner)) {
          html += `<${element(inner)} class="hl tag-${inner.tag}${overlap}">`;
          closing.unshift(`</${element(inner)}>`);
        }
        out.push(html + chunk + closing.join(""));
      } else if (inner) {
        out.push(`<${element(inner)} class="hl tag-${inner.tag}">${chunk}</${element(inner)}>`);
      } else {
        out.push(chunk);
      }
    };
    for (let k = 0; k + 1 < sorted.length; k++) {
      const lo = sorted[k];
      const starting = [];
      while (index < spans.length && spans[index].start <= lo) {
        const s = spans[index++];
        if (s.end > lo) {
          active.push(s);
          if (s.start === lo || (lo === bStart && s.start >= prevEnd)) starting.push(s);
        }
      }
      active = active.filter((s) => s.end > lo);
      active.sort(innerOrder);
      const inner = active.length ? active[0] : null;
      if (starting.length || !run || inner !== run.inner) {
        flush(lo);
        starting.sort((a, b) => (b.end - b.start) - (a.end - a.start) || a.id - b.id);
        const overlap = starting.length && active.length > 1 ? " hl-overlap" : "";
        run = { lo, starting, inner, overlap };
      }
    }
    flush(bEnd);
    return out.join("");
  }

  function visibleSpans() {
    return Array.from(state.rows.values())
      .filter((r) => !r.deleted && passes(r))
      .sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  }

  // Repaint the paragraphs that [start, end) touches (several ranges at once).
  function repaint(ranges) {
    const spans = visibleSpans();
    let prevEnd = 0;
    for (const p of document.querySelectorAll("#article-text > p[data-start]")) {
      const bStart = Number(p.dataset.start);
      const text = Array.from(p.textContent);
      const bEnd = bStart + text.length;
      if (ranges.some(([s, e]) => s < bEnd && e > bStart)) {
        const inBlock = spans.filter((s) => s.start < bEnd && s.end > bStart);
        const hadFocus = p.contains(document.activeElement);
        p.innerHTML = renderBlock(text, bStart, bEnd, inBlock, prevEnd);
        if (activeId !== null) markActive(activeId);
        restoreRoving(hadFocus);
      }
      prevEnd = bEnd;
    }
  }

  // Which annotations cover a point: for the overlap chooser.
  function coveringAt(offset) {
    return visibleSpans()
      .filter((r) => r.start <= offset && offset < r.end)
      .sort(innerOrder);
  }

  function offsetOfElement(el) {
    const p = paraOf(el);
    const r = document.createRange();
    r.setStart(p, 0);
    r.setEndBefore(el);
    return Number(p.dataset.start) + cpLength(r.toString());
  }

  // Sidebar items --------------------------------------------------------------------
  // The same words the server writes for a time (static/js/tz.js, formatWhen).
  function formatTime(iso) {
    return window.Claimmark && window.Claimmark.formatWhen ? window.Claimmark.formatWhen(iso) || iso : iso;
  }

  function tagLabel(key) {
    const option = document.querySelector(`.filters select[name=tag] option[value="${CSS.escape(key)}"]`);
    return option ? option.textContent : key;
  }

  function fillStatus(el, status) {
    el.className = `status status--${status}`;
    el.textContent = `${STATUS_SIGN[status] || ""} ${STATUS_LABEL[status] || status}`;
  }

  function fillItem(li, a) {
    li.id = `ann-${a.id}`;
    Object.assign(li.dataset, { id: a.id, status: a.status });
    li.querySelector(".ann-item__jump").dataset.jump = a.id;
    const chip = li.querySelector(".ann-item__jump .tag-chip");
    chip.className = `tag-chip tag-${a.tag}`;
    chip.textContent = tagLabel(a.tag);
    li.querySelector(".ann-item__quote").textContent = a.quote;
    li.querySelector(".ann-item__author").textContent = a.author;
    const time = li.querySelector("time");
    time.dateTime = a.modified;
    time.textContent = formatTime(a.modified);
    li.querySelector(".ann-item__edited").textContent = a.version > 1 ? ` · ${_("edited")}` : "";
    const note = li.querySelector(".ann-item__note");
    note.textContent = a.note;
    note.hidden = !a.note;
    fillStatus(li.querySelector(".status"), a.status);
    const thread = li.querySelector(".ann-item__thread");
    thread.href = reader.dataset.threadUrl.replace("/0/", `/${a.id}/`);
    thread.dataset.threadOpen = a.id;
    setCommentCount(li, a.comments);
  }

  function setCommentCount(li, n) {
    li.querySelector(".count-pill").textContent = `· ${fmt(ngettext("%(n)s comment", "%(n)s comments", n), { n })}`;
  }

  function newItem(a) {
    const li = document.getElementById("ann-item-template").content.firstElementChild.cloneNode(true);
    if (a.author === state.me) {
      const link = document.getElementById("ann-edit-link-template").content.cloneNode(true);
      const anchor = link.querySelector("a");
      anchor.href = reader.dataset.editUrl.replace("/0/", `/${a.id}/`);
      anchor.dataset.edit = a.id;
      li.querySelector(".ann-item__meta").appendChild(link);
    }
    fillItem(li, a);
    return li;
  }

  // An item's place in text order, from the reader data (or the item's own event).
  const keyOf = (el) => {
    const row = state.rows.get(Number(el.dataset.id));
    return row ? [row.start, row.end, row.id] : [Infinity, Infinity, Number(el.dataset.id)];
  };
  const before = (x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

  // Put annotation `a` in the sidebar, in text order, if it falls in the loaded part.
  function placeItem(a) {
    const list = document.getElementById("ann-list");
    const existing = document.getElementById(`ann-${a.id}`);
    if (existing) {
      fillItem(existing, a);
      return;
    }
    const key = [a.start, a.end, a.id];
    const items = Array.from(list.querySelectorAll(":scope > .ann-item"));
    const more = list.querySelector(":scope > .ann-more");
    const next = items.find((li) => before(key, keyOf(li)) < 0);
    if (!next && more) {
      const remaining = more.querySelector("[data-remaining]");
      if (remaining) remaining.textContent = Number(remaining.textContent) + 1;
      return;
    }
    list.insertBefore(newItem(a), next || more || null);
    document.getElementById("ann-empty").hidden = true;
  }

  function removeItem(id) {
    const li = document.getElementById(`ann-${id}`);
    if (li) li.remove();
    const list = document.getElementById("ann-list");
    document.getElementById("ann-empty").hidden = !!list.querySelector(".ann-item, .ann-more");
  }

  // Counts ---------------------------------------------------------------------------
  function recount() {
    const rows = Array.from(state.rows.values()).filter((r) => !r.deleted);
    const byTag = {};
    let shown = 0;
    const summary = {};
    for (const r of rows) {
      byTag[r.tag] = (byTag[r.tag] || 0) + 1;
      summary[`${r.tag}:${r.status}`] = (summary[`${r.tag}:${r.status}`] || 0) + 1;
      if (passes(r)) shown++;
    }
    reader.querySelectorAll("[data-count-tag]").forEach((el) => (el.textContent = byTag[el.dataset.countTag] || 0));
    reader.querySelectorAll("[data-total]").forEach((el) => (el.textContent = rows.length));
    reader.querySelectorAll("[data-total-word]").forEach((el) => (el.textContent = ngettext("annotation", "annotations", rows.length)));
    reader.querySelectorAll("[data-shown]").forEach((el) => (el.textContent = fmt(_("%(shown)s of "), { shown })));
    reader.querySelectorAll("[data-summary]").forEach((el) => (el.textContent = summary[el.dataset.summary] || 0));
    const authors = document.getElementById("author-filter");
    if (authors) {
      const have = new Set(Array.from(authors.options).map((o) => o.value));
      for (const name of new Set(rows.map((r) => r.author))) {
        if (have.has(name)) continue;
        const option = new Option(name, name);
        const after = Array.from(authors.options).find((o) => o.value && o.value > name);
        authors.insertBefore(option, after || null);
      }
    }
  }

  function bumpReviewer(name, was, now) {
    const row = reader.querySelector(`[data-reviewer="${CSS.escape(name)}"]`);
    if (!row) return; // a new reviewer: shown on the next load
    for (const [verdict, delta] of [[was, -1], [now, 1]]) {
      if (!verdict) continue;
      const cell = row.querySelector(`[data-verdict="${verdict}"]`);
      if (cell) cell.textContent = Number(cell.textContent) + delta;
    }
  }

  // Applying events ------------------------------------------------------------------
  function applyAnnotation(kind, a) {
    const old = state.rows.get(a.id);
    const row = {
      id: a.id, start: a.start, end: a.end, tag: a.tag, author: a.author, status: a.status,
      // A verdict judges one claim (tag and span): a new tag or span needs a new verdict.
      reviewed: old && old.tag === a.tag && old.start === a.start && old.end === a.end ? old.reviewed : false,
      // An orphan is not on the text (it waits under "anchors to check").
      deleted: kind === "annotation.deleted" || a.deleted || a.anchor === "orphaned",
      moved: a.anchor === "moved",
    };
    if (old && old.version > a.version) return; // an older state than the one shown
    row.version = a.version;
    if (row.deleted) state.rows.delete(a.id);
    else state.rows.set(a.id, row);
    const ranges = [[a.start, a.end]];
    if (old) ranges.push([old.start, old.end]);
    repaint(ranges);
    if (!row.deleted && passes(row)) placeItem(a);
    else removeItem(a.id);
    recount();
  }

  function applyEvent(event, { own = false } = {}) {
    if (event.id) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      lastEventId = Math.max(lastEventId, event.id);
    }
    const d = event.data;
    if (event.kind.startsWith("annotation.")) {
      applyAnnotation(event.kind, d);
    } else if (event.kind.startsWith("comment.")) {
      const li = document.getElementById(`ann-${d.annotation}`);
      if (li) setCommentCount(li, d.comments);
      if (!own && event.actor !== state.me) document.dispatchEvent(new CustomEvent("claimmark:thread-activity", { detail: d }));
    } else if (event.kind.startsWith("review.")) {
      const row = state.rows.get(d.annotation);
      if (row) {
        row.status = d.status;
        if (d.reviewer === state.me) row.reviewed = true;
        repaint([[row.start, row.end]]);
        if (!passes(row)) removeItem(row.id);
      }
      const li = document.getElementById(`ann-${d.annotation}`);
      if (li) {
        li.dataset.status = d.status;
        fillStatus(li.querySelector(".status"), d.status);
      }
      bumpReviewer(d.reviewer, d.was_verdict, d.verdict);
      recount();
      if (!own && event.actor !== state.me) document.dispatchEvent(new CustomEvent("claimmark:thread-activity", { detail: d }));
    } else if (event.kind === "article.changed") {
      refreshReader();
    }
  }

  function refreshReader() {
    if (window.htmx) window.htmx.ajax("GET", window.location.href, { target: "#reader", swap: "outerHTML" });
    else window.location.reload();
  }

  // Writes: JSON in, the change out ----------------------------------------------------
  async function send(url, data, headers = {}) {
    // URL-encoded rather than multipart, which would turn the newlines of a quote that
    // spans paragraphs into CRLF, and the quote would no longer match the article.
    const body = new URLSearchParams(data);
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { Accept: "application/json", "X-CSRFToken": csrf(), ...headers },
      credentials: "same-origin",
    });
    let json = {};
    try {
      json = await response.json();
    } catch (e) {
      json = { detail: fmt(_("The server answered %(status)s. Try again in a moment."), { status: response.status }) };
    }
    return { ok: response.ok, status: response.status, json };
  }

  // Tag picker -----------------------------------------------------------------------
  let current = null; // the selection the picker is open for
  let saving = false;

  function placeNear(el, rect) {
    el.hidden = false;
    const width = el.offsetWidth;
    const left = Math.max(8, Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - width - 8));
    el.style.left = left + "px";
    el.style.top = window.scrollY + rect.bottom + 8 + "px";
  }

  function sameSpanByOthers(start, end) {
    return Array.from(state.rows.values()).filter(
      (r) => !r.deleted && r.start === start && r.end === end && r.author !== state.me
    );
  }

  function fillAgree(found) {
    const others = sameSpanByOthers(found.start, found.end);
    agreeEl.replaceChildren();
    form.querySelectorAll("button[data-shortcut]").forEach((b) => {
      b.disabled = false;
      b.removeAttribute("aria-describedby");
    });
    if (!others.length) {
      agreeEl.hidden = true;
      return;
    }
    const text = document.createElement("p");
    text.className = "picker__agree-text";
    text.id = "picker-agree-text";
    text.textContent = others.map((r) => `${r.author} tagged this ${tagLabel(r.tag)}`).join("; ") + ".";
    agreeEl.appendChild(text);
    others.forEach((r, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn--agree";
      button.dataset.agree = r.id;
      if (i === 0) {
        button.dataset.shortcut = "a";
        button.setAttribute("aria-keyshortcuts", "a");
        button.innerHTML = "<kbd>a</kbd> ";
      }
      button.append(fmt(_("Agree with %(author)s’s %(tag)s instead"), { author: r.author, tag: tagLabel(r.tag) }));
      agreeEl.appendChild(button);
      // The same tag again would be a copy of theirs: agreeing is the way.
      const copy = form.querySelector(`button[name=tag][value="${CSS.escape(r.tag)}"]`);
      if (copy) {
        copy.disabled = true;
        copy.setAttribute("aria-describedby", "picker-agree-text");
      }
    });
    agreeEl.hidden = false;
  }

  function openPicker(found) {
    closeChooser();
    current = found;
    form.elements.start.value = found.start;
    form.elements.end.value = found.end;
    form.elements.quote.value = found.quote;
    quoteEl.textContent = found.quote.length > 140 ? found.quote.slice(0, 137) + "…" : found.quote;
    errorEl.textContent = "";
    fillAgree(found);
    const rects = found.range.getClientRects();
    placeNear(picker, rects.length ? rects[rects.length - 1] : found.range.getBoundingClientRect());
    picker.classList.add("is-open");
  }

  function closePicker() {
    picker.hidden = true;
    picker.classList.remove("is-open");
    form.elements.note.value = "";
    errorEl.textContent = "";
    current = null;
  }

  function showError(el, text) {
    const p = document.createElement("p");
    p.className = "form-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    el.replaceChildren(p);
  }

  function setSaving(on) {
    saving = on;
    picker.setAttribute("aria-busy", on ? "true" : "false");
    form.querySelectorAll("button").forEach((b) => {
      if (on) b.dataset.wasDisabled = b.disabled ? "1" : "";
      b.disabled = on ? true : b.dataset.wasDisabled === "1";
    });
    agreeEl.querySelectorAll("button").forEach((b) => (b.disabled = on));
  }

  let tempId = 0;

  async function createAnnotation(tag) {
    if (saving || !current) return;
    const found = current;
    const body = new FormData(form);
    body.set("tag", tag);
    const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
    // Paint at once; the server's answer confirms it (or takes it back).
    const temp = { id: -(++tempId), start: found.start, end: found.end, tag, author: state.me, status: "pending", reviewed: false };
    state.rows.set(temp.id, temp);
    repaint([[temp.start, temp.end]]);
    setSaving(true);
    let result;
    try {
      result = await send(reader.dataset.createUrl, body, { "Idempotency-Key": key });
    } catch (e) {
      result = { ok: false, json: { detail: _("The server could not be reached. Check the connection and try again.") } };
    }
    state.rows.delete(temp.id);
    setSaving(false);
    if (!result.ok) {
      repaint([[temp.start, temp.end]]);
      if (current !== found) openPicker(found);
      showError(errorEl, result.json.detail || _("The annotation was not saved."));
      return;
    }
    applyEvent(result.json.event, { own: true });
    repaint([[temp.start, temp.end]]); // the stream's echo may have come first
    if (result.json.event && result.json.event.data) flashItem(result.json.event.data.id);
    // Close the picker unless the person has meanwhile selected something else.
    if (current === found) {
      closePicker();
      const sel = window.getSelection();
      if (sel) sel.removeAllRanges();
      afterKeyboardSave();
    }
  }

  async function agreeWith(id) {
    if (saving) return;
    setSaving(true);
    const body = new FormData();
    body.set("verdict", "agree");
    let result;
    try {
      result = await send(`/annotations/${id}/review/`, body);
    } catch (e) {
      result = { ok: false, json: { detail: _("The server could not be reached. Try again.") } };
    }
    setSaving(false);
    if (!result.ok) {
      showError(errorEl, result.json.detail || _("The verdict was not saved."));
      return;
    }
    applyEvent(result.json.event, { own: true });
    const row = state.rows.get(Number(id));
    closePicker();
    const sel = window.getSelection();
    if (sel) sel.removeAllRanges();
    notice(row ? fmt(_("You agreed with %(author)s’s tag."), { author: row.author }) : _("You agreed with their tag."));
    activate(id, { scrollList: true });
  }

  function notice(text, action) {
    const box = document.getElementById("reader-notice");
    const div = document.createElement("div");
    div.className = "notice";
    const span = document.createElement("span");
    span.textContent = text;
    div.appendChild(span);
    if (action) div.appendChild(action);
    box.replaceChildren(div);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = event.submitter;
    if (button && button.name === "tag") createAnnotation(button.value);
  });

  // Highlights and the sidebar ---------------------------------------------------------
  let activeId = null;

  function markActive(id) {
    const row = state.rows.get(Number(id));
    if (!row) return [];
    const marked = [];
    for (const p of document.querySelectorAll("#article-text > p[data-start]")) {
      const pStart = Number(p.dataset.start);
      if (pStart >= row.end) break;
      for (const m of p.querySelectorAll("mark")) {
        if (m.dataset.annotationId === String(row.id)) {
          m.classList.add("is-active");
          marked.push(m);
          continue;
        }
        if (m.parentElement.closest("mark") || m.querySelector("mark")) continue; // nested start wrappers
        const at = offsetOfElement(m);
        const len = cpLength(m.textContent);
        if (at >= row.start && at + len <= row.end && coveringAt(at).some((r) => r.id === row.id)) {
          m.classList.add("is-active");
          marked.push(m);
        }
      }
    }
    return marked;
  }

  function activate(id, { scrollText = false, scrollList = true } = {}) {
    document.querySelectorAll(".is-active").forEach((el) => el.classList.remove("is-active"));
    activeId = Number(id);
    const start = document.querySelector(`#article-text [data-annotation-id="${id}"]`);
    markActive(id);
    const item = document.getElementById("ann-" + id);
    if (item) {
      item.classList.add("is-active");
      if (scrollList) item.scrollIntoView({ block: "nearest", behavior: glide() });
    } else {
      // The sidebar shows a page at a time: load it up to this annotation, then mark it.
      const more = document.querySelector(".ann-more [data-more]");
      if (more && window.htmx) {
        window.htmx
          .ajax("GET", more.dataset.more + "&through=" + encodeURIComponent(id), { target: more.closest("li"), swap: "outerHTML" })
          .then(() => {
            if (document.getElementById("ann-" + id)) activate(id, { scrollText, scrollList });
          });
      }
    }
    if (scrollText && start) {
      setRoving(start); // j / k go on from here; the text keeps one Tab stop
      start.scrollIntoView({ block: "center", behavior: glide() });
      start.focus({ preventScroll: true });
    }
  }

  function closeChooser() {
    if (chooser) {
      chooser.hidden = true;
      chooser.replaceChildren();
    }
  }

  function openThread(id, opener) {
    if (window.ClaimmarkThread) window.ClaimmarkThread.open(id, opener);
  }

  function openChooser(mark, rows) {
    chooser.replaceChildren();
    for (const r of rows) {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.dataset.choose = r.id;
      const quote = codePoints.slice(r.start, r.end).join("");
      button.textContent = `${tagLabel(r.tag)} · ${r.author} · “${quote.slice(0, 50)}${quote.length > 50 ? "…" : ""}”`;
      chooser.appendChild(button);
    }
    placeNear(chooser, mark.getBoundingClientRect());
    chooser.querySelector("button").focus();
  }

  document.addEventListener("mouseup", (event) => {
    if (picker.contains(event.target) || (chooser && chooser.contains(event.target))) return;
    setTimeout(() => {
      const found = selectionOffsets();
      if (found) openPicker(found);
    }, 0);
  });

  document.addEventListener("keyup", (event) => {
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
    const agree = event.target.closest("[data-agree]");
    if (agree) {
      agreeWith(agree.dataset.agree);
      return;
    }
    const choose = event.target.closest("[data-choose]");
    if (choose) {
      activate(choose.dataset.choose);
      closeChooser();
      openThread(choose.dataset.choose, document.getElementById("ann-" + choose.dataset.choose));
      return;
    }
    const edit = event.target.closest("[data-edit]");
    if (edit && window.htmx) {
      event.preventDefault();
      const li = edit.closest(".ann-item");
      let box = li.querySelector(".ann-item__edit");
      if (!box) {
        box = document.createElement("div");
        box.className = "ann-item__edit";
        box.id = `ann-edit-${edit.dataset.edit}`;
        li.appendChild(box);
      }
      window.htmx.ajax("GET", edit.href, { target: box, swap: "innerHTML" });
      return;
    }
    const cancel = event.target.closest("[data-cancel-edit]");
    if (cancel) {
      event.preventDefault();
      cancel.closest(".ann-edit").remove();
      return;
    }
    const undo = event.target.closest("[data-undo]");
    if (undo) {
      undoDelete(undo);
      return;
    }
    const mark = event.target.closest("#article-text mark");
    const sel = window.getSelection();
    if (mark && (!sel || sel.isCollapsed)) {
      // The innermost element clicked: what covers its first character.
      const rows = coveringAt(offsetOfElement(mark));
      if (rows.length === 1) {
        activate(rows[0].id);
        openThread(rows[0].id, mark);
      } else if (rows.length > 1) {
        openChooser(mark, rows);
      }
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
    const key = event.key.toLowerCase();
    const agree = agreeEl.querySelector(`button[data-shortcut="${CSS.escape(key)}"]`);
    const button = agree || form.querySelector(`button[data-shortcut="${CSS.escape(key)}"]`);
    if (button) {
      event.preventDefault();
      if (saving || button.disabled) return; // a second press while saving does nothing
      button.click();
    }
  });

  // Edit, delete and undo from the sidebar -----------------------------------------------
  document.addEventListener("submit", async (event) => {
    const f = event.target.closest("form[data-delta-form]");
    if (!f) return;
    event.preventDefault();
    const submitter = event.submitter;
    const url = submitter && submitter.getAttribute("formaction") ? submitter.getAttribute("formaction") : f.action;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) return;
    const box = f.closest(".ann-edit");
    const errorBox = box.querySelector(".ann-edit__error");
    f.querySelectorAll("button").forEach((b) => (b.disabled = true));
    let result;
    try {
      result = await send(url, new FormData(f));
    } catch (e) {
      result = { ok: false, json: { detail: _("The server could not be reached. Try again.") } };
    }
    f.querySelectorAll("button").forEach((b) => (b.disabled = false));
    if (!result.ok) {
      if (result.json.html) {
        box.outerHTML = result.json.html; // the merge of my change with theirs
        return;
      }
      showError(errorBox, result.json.detail || _("The change was not saved."));
      return;
    }
    box.remove();
    applyEvent(result.json.event, { own: true });
    if (result.json.undo) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn";
      button.textContent = _("Undo");
      button.dataset.undo = result.json.undo.url;
      button.dataset.version = result.json.undo.version;
      notice(fmt(_("Annotation “%(quote)s” deleted. It stays in the history."), { quote: result.json.undo.quote }), button);
    }
  });

  async function undoDelete(button) {
    const body = new FormData();
    body.set("version", button.dataset.version);
    button.disabled = true;
    const result = await send(button.dataset.undo, body);
    if (!result.ok) {
      button.disabled = false;
      showError(document.getElementById("reader-notice"), result.json.detail || _("It could not be restored."));
      return;
    }
    document.getElementById("reader-notice").replaceChildren();
    applyEvent(result.json.event, { own: true });
  }

  // Keyboard selection -------------------------------------------------------------------
  // The text is one Tab stop. In it: → / ← select the next or previous word; Shift with
  // them extends the selection by a character, Ctrl+Shift (Alt+Shift on a Mac) by a word;
  // ) and ( select the next or previous sentence, } and { extend by a sentence. The
  // selection is an anchor and a focus in code points, as in a text editor.
  const words = [];
  for (let i = 0; i < codePoints.length; ) {
    while (i < codePoints.length && isSpace(codePoints[i])) i++;
    const start = i;
    while (i < codePoints.length && !isSpace(codePoints[i])) i++;
    if (i > start) words.push([start, i]);
  }
  // A sentence ends after . ! ? or … (and any closing quote or bracket) followed by white
  // space, or at the end of a paragraph.
  const sentences = [];
  for (let i = 0; i < codePoints.length; ) {
    while (i < codePoints.length && isSpace(codePoints[i])) i++;
    const start = i;
    while (i < codePoints.length && codePoints[i] !== "\n") {
      const ch = codePoints[i++];
      if (/[.!?…]/u.test(ch)) {
        while (i < codePoints.length && /["'”’»)\]]/u.test(codePoints[i])) i++;
        if (i >= codePoints.length || isSpace(codePoints[i])) break;
      }
    }
    let end = i;
    while (end > start && isSpace(codePoints[end - 1])) end--;
    if (end > start) sentences.push([start, end]);
  }
  const kb = { anchor: null, focus: null };
  let keyboardMode = false;

  function selectKeyboardSpan() {
    let lo = Math.min(kb.anchor, kb.focus);
    let hi = Math.max(kb.anchor, kb.focus);
    while (lo < hi && isSpace(codePoints[lo])) lo++;
    while (hi > lo && isSpace(codePoints[hi - 1])) hi--;
    const sel = window.getSelection();
    if (lo >= hi) {
      sel.removeAllRanges();
      if (!picker.hidden) closePicker();
      return;
    }
    const start = domPoint(lo, "start");
    const end = domPoint(hi, "end");
    if (!start || !end) return;
    sel.setBaseAndExtent(start[0], start[1], end[0], end[1]);
    const found = selectionOffsets();
    if (found) openPicker(found);
    const edge = (kb.focus >= kb.anchor ? end : start)[0].parentElement;
    edge.scrollIntoView({ block: "nearest" });
  }

  function afterKeyboardSave() {
    if (!keyboardMode) return;
    const text = document.getElementById("article-text");
    if (text) text.focus({ preventScroll: true });
  }

  const lastWhere = (list, test) => {
    for (let i = list.length - 1; i >= 0; i--) if (test(list[i])) return list[i];
    return null;
  };

  // Select a whole unit (word or sentence): the next after the selection, or the previous.
  function selectUnit(list, step) {
    let unit;
    if (kb.anchor === null) unit = step > 0 ? list[0] : list[list.length - 1];
    else if (step > 0) unit = list.find(([s]) => s >= Math.max(kb.anchor, kb.focus)) || list[list.length - 1];
    else unit = lastWhere(list, ([s]) => s < Math.min(kb.anchor, kb.focus)) || list[0];
    [kb.anchor, kb.focus] = unit;
  }

  // Move the focus to the next unit end, or back to the previous unit start.
  function extendUnit(list, step) {
    if (kb.anchor === null) [kb.anchor, kb.focus] = list[0];
    else if (step > 0) {
      const unit = list.find(([, e]) => e > kb.focus);
      if (unit) kb.focus = unit[1];
    } else {
      const unit = lastWhere(list, ([s]) => s < kb.focus);
      if (unit) kb.focus = unit[0];
    }
  }

  function extendCharacter(step) {
    if (kb.anchor === null) [kb.anchor, kb.focus] = [words[0][0], words[0][0]];
    let f = kb.focus + step;
    // White space between paragraphs counts as one step.
    while (f > 0 && f < codePoints.length && codePoints[f - 1] === "\n" && codePoints[f] === "\n") f += step;
    kb.focus = Math.max(0, Math.min(codePoints.length, f));
  }

  const inText = (el) => el && el.closest && el.closest("#article-text");

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || !inText(event.target) || !words.length || event.metaKey) return;
    const arrow = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    const sentence = { ")": [1, false], "(": [-1, false], "}": [1, true], "{": [-1, true] }[event.key];
    const byWord = event.ctrlKey || event.altKey;
    if (arrow && !event.shiftKey && !byWord) selectUnit(words, arrow);
    else if (arrow && event.shiftKey && byWord) extendUnit(words, arrow);
    else if (arrow && event.shiftKey) extendCharacter(arrow);
    else if (sentence && !event.ctrlKey && !event.altKey) {
      if (sentence[1]) extendUnit(sentences, sentence[0]);
      else selectUnit(sentences, sentence[0]);
    } else return;
    event.preventDefault();
    keyboardMode = true;
    if (event.target.id !== "article-text") document.getElementById("article-text").focus({ preventScroll: true });
    selectKeyboardSpan();
  });

  // Highlights in reading order ------------------------------------------------------------
  // One Tab stop: the text, or the highlight last visited (a roving tabindex). j / ↓ and
  // k / ↑ move between highlights, Enter opens the thread, Esc goes back to the text.
  let rovingId = null;

  function setRoving(mark) {
    const text = document.getElementById("article-text");
    if (!text) return;
    text.querySelectorAll("mark[tabindex]").forEach((m) => {
      if (m !== mark) m.removeAttribute("tabindex");
    });
    if (mark) {
      mark.tabIndex = 0;
      text.tabIndex = -1;
      rovingId = mark.dataset.annotationId;
    } else {
      text.tabIndex = 0;
      rovingId = null;
    }
  }

  // After a repaint: the same highlight keeps the Tab stop (and the focus, if it had it).
  function restoreRoving(hadFocus) {
    if (rovingId === null) return;
    const mark = document.querySelector(`#article-text mark[data-annotation-id="${rovingId}"]`);
    setRoving(mark);
    if (mark && hadFocus) mark.focus({ preventScroll: true });
    else if (hadFocus) document.getElementById("article-text").focus({ preventScroll: true });
  }

  const wide = () => window.matchMedia("(min-width: 901px)").matches;

  function moveHighlight(step) {
    const marks = Array.from(document.querySelectorAll("#article-text mark[data-annotation-id]"));
    if (!marks.length) return;
    let i = marks.indexOf(document.activeElement);
    if (i < 0 && kb.anchor !== null) {
      // From a keyboard selection: the highlights after it (or before it).
      const lo = Math.min(kb.anchor, kb.focus);
      const after = marks.findIndex((m) => offsetOfElement(m) >= lo);
      i = step > 0 ? (after < 0 ? marks.length : after) - 1 : after < 0 ? marks.length : after;
    } else if (i < 0) {
      i = step > 0 ? -1 : marks.length;
    }
    const at = Math.max(0, Math.min(marks.length - 1, i + step));
    const next = marks[at];
    setRoving(next);
    next.focus();
    activate(next.dataset.annotationId, { scrollList: wide() });
    // Say what it is: the highlight's text is read on focus, its tag and author are not.
    const row = state.rows.get(Number(next.dataset.annotationId));
    const status = document.getElementById("highlight-status");
    if (row && status) {
      status.textContent = fmt(_("%(tag)s by %(author)s, highlight %(at)s of %(count)s. Enter opens the discussion."), {
        tag: tagLabel(row.tag), author: row.author, at: at + 1, count: marks.length,
      });
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || !inText(event.target)) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const mark = event.target.closest("mark[data-annotation-id]");
    if (event.key === "j" || event.key === "ArrowDown") moveHighlight(1);
    else if (event.key === "k" || event.key === "ArrowUp") moveHighlight(-1);
    else if (event.key === "Enter" && mark) {
      activate(mark.dataset.annotationId, { scrollList: wide() });
      openThread(mark.dataset.annotationId, mark);
    } else if (event.key === "Escape" && mark && picker.hidden) {
      setRoving(null);
      document.getElementById("article-text").focus();
    } else return;
    event.preventDefault();
  });

  // The new item in the sidebar after tagging: scrolled to (where the sidebar is beside
  // the text) and marked for a moment.
  function flashItem(id) {
    const li = document.getElementById(`ann-${id}`);
    if (!li) return;
    li.classList.remove("is-new");
    void li.offsetWidth; // restart the animation
    li.classList.add("is-new");
    if (wide()) li.scrollIntoView({ block: "nearest" });
    setTimeout(() => li.classList.remove("is-new"), 2600);
  }

  // Touch: a finger's selection (a long press, then the handles) ends with no mouseup or
  // keyup, so the picker also follows selectionchange once the selection rests. A mouse
  // drag in progress is left to mouseup.
  let mouseDown = false;
  let restTimer = null;
  document.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse") mouseDown = true;
  });
  document.addEventListener("pointerup", () => (mouseDown = false));
  document.addEventListener("pointercancel", () => (mouseDown = false));
  document.addEventListener("selectionchange", () => {
    clearTimeout(restTimer);
    restTimer = setTimeout(() => {
      if (mouseDown || saving) return;
      const found = selectionOffsets();
      if (!found) return;
      if (current && !picker.hidden && current.start === found.start && current.end === found.end) return;
      openPicker(found);
    }, 300);
  });

  // The inline edit form opens where it can be seen, with the focus in it.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const box = event.detail.target;
    if (!box || !box.classList || !box.classList.contains("ann-item__edit")) return;
    box.scrollIntoView({ block: "nearest" });
    const field = box.querySelector("select, textarea, input:not([type=hidden])");
    if (field) field.focus({ preventScroll: true });
  });

  // The event stream ---------------------------------------------------------------------
  const statusEl = () => document.getElementById("live-status");
  let source = null;
  let connection = null;
  let retryTimer = null;

  function setLive(stateName, text) {
    const el = statusEl();
    if (!el) return;
    el.dataset.state = stateName;
    el.querySelector(".live-status__text").textContent = text;
  }

  function showPresence(readers) {
    const el = document.getElementById("presence");
    if (!el) return;
    const others = readers.filter((r) => r.username !== state.me);
    el.replaceChildren();
    if (!others.length) return;
    const label = document.createElement("span");
    label.className = "presence__label";
    label.textContent = _("Also reading: ");
    el.appendChild(label);
    others.forEach((r, i) => {
      const who = document.createElement("span");
      who.className = "presence__who";
      who.dataset.username = r.username;
      who.title = r.name;
      who.textContent = r.username;
      el.appendChild(who);
      if (i < others.length - 1) el.append(", ");
    });
  }

  const typingTimers = new Map();

  function showTyping(t) {
    const key = t.username;
    clearTimeout(typingTimers.get(key));
    document.querySelectorAll(`.ann-item__typing[data-username="${CSS.escape(key)}"]`).forEach((el) => {
      el.hidden = true;
      delete el.dataset.username;
    });
    if (t.annotation) {
      const li = document.getElementById(`ann-${t.annotation}`);
      let el = li && li.querySelector(".ann-item__typing");
      if (li && !el) {
        el = document.createElement("span");
        el.className = "ann-item__typing muted";
        li.querySelector(".ann-item__discuss").append(" ", el);
      }
      if (el) {
        el.dataset.username = key;
        el.textContent = fmt(_("%(name)s is typing…"), { name: key });
        el.hidden = false;
      }
      typingTimers.set(key, setTimeout(() => showTyping({ username: key, annotation: null }), 8000));
    }
    document.dispatchEvent(new CustomEvent("claimmark:typing", { detail: t }));
  }

  function connect() {
    if (source) source.close();
    const url = `${reader.dataset.streamUrl}?since=${lastEventId}`;
    source = new EventSource(url);
    source.onopen = () => setLive("live", _("Live"));
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out, or the server is gone for good): try again later ourselves.
        setLive("offline", _("Offline: reconnecting…"));
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, 5000);
      } else {
        setLive("offline", _("Offline: reconnecting…"));
      }
    };
    source.onmessage = (e) => applyEvent(JSON.parse(e.data));
    source.addEventListener("hello", (e) => {
      const hello = JSON.parse(e.data);
      connection = hello.conn;
      showPresence(hello.readers);
      document.dispatchEvent(new CustomEvent("claimmark:badge", { detail: { unread: hello.unread } }));
      setLive("live", _("Live"));
    });
    source.addEventListener("presence", (e) => showPresence(JSON.parse(e.data).readers));
    source.addEventListener("typing", (e) => showTyping(JSON.parse(e.data)));
    source.addEventListener("badge", (e) => document.dispatchEvent(new CustomEvent("claimmark:badge", { detail: JSON.parse(e.data) })));
    source.addEventListener("reset", () => refreshReader());
  }

  window.addEventListener("pagehide", () => {
    if (connection && navigator.sendBeacon) {
      const body = new FormData();
      body.set("leave", connection);
      body.set("csrfmiddlewaretoken", csrf());
      navigator.sendBeacon(reader.dataset.presenceUrl, body);
    }
    if (source) source.close();
  });

  // Typing notices go out from the thread panel through this.
  window.ClaimmarkReader = {
    typing(annotationId) {
      const body = new FormData();
      body.set("typing", annotationId || "");
      fetch(reader.dataset.presenceUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" });
    },
    applyEvent,
    repaintAll: () => repaint([[0, codePoints.length + 1]]),
    // For adjust.js: where an offset is in the page.
    domPoint,
  };

  document.body.addEventListener("htmx:afterSwap", (event) => {
    // A filter change swaps the reader: take its data, keep the stream.
    if (event.detail.target && event.detail.target.id === "reader") load();
    else if (document.getElementById("reader") !== reader) load();
  });

  load();
  connect();
  // A link to one annotation (search results): /articles/<slug>/#annotation-<id>.
  const wanted = /^#annotation-(\d+)$/.exec(window.location.hash);
  if (wanted) activate(wanted[1], { scrollText: true });
})();
