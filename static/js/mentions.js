// @name completion in comment boxes, and a warning for a name that is nobody's.
//
// While an "@na" is typed in a comment box (a textarea named "body"), the people whose
// user names start with "na" (any case) are offered in a list under it: ↓/↑ choose,
// Enter or Tab take one, Esc closes. A finished @name that is nobody's user name gets a
// warning under the box, before posting: nobody would be told. The names come from
// /mentions/names/?q=… (views/people.py), the same rule the server applies on posting.
(function () {
  "use strict";
  // Sentences in the page's language (Django's JavaScript catalog, /jsi18n/).
  const _ = window.gettext || ((s) => s);
  const fmt = (s, values) => (window.interpolate ? window.interpolate(s, values, true) : s);

  const script = document.currentScript;
  const url = script && script.dataset.namesUrl;
  if (!url) return;
  // The @name being typed just before the caret; as annotator/markdown.MENTION_RE.
  const TYPING = /(?:^|[^\w@.+-])@([\w.+-]*)$/u;
  const MENTION = /(?<![\w@.+-])@([\w.+-]*\w)/gu;
  const cache = new Map();
  let box = null; // {textarea, list, names, index, start}
  let timer = null;

  function lookup(prefix) {
    const key = prefix.toLowerCase();
    if (!cache.has(key)) {
      cache.set(
        key,
        fetch(`${url}?q=${encodeURIComponent(prefix)}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((r) => (r.ok ? r.json() : { names: [], exact: true }))
          .catch(() => ({ names: [], exact: true })), // offline: no suggestion, no false warning
      );
    }
    return cache.get(key);
  }

  const isCommentBox = (el) => el && el.tagName === "TEXTAREA" && el.name === "body";

  function close() {
    if (!box) return;
    box.list.remove();
    box.textarea.setAttribute("aria-expanded", "false");
    box.textarea.removeAttribute("aria-activedescendant");
    box = null;
  }

  function mark(index) {
    box.index = index;
    box.list.querySelectorAll("[role=option]").forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    box.textarea.setAttribute("aria-activedescendant", `mention-option-${index}`);
  }

  function choose(index) {
    const { textarea, names, start } = box;
    const name = names[index];
    close();
    textarea.focus();
    textarea.setRangeText(`${name} `, start, textarea.selectionStart, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function offer(textarea, names, start) {
    close();
    const list = document.createElement("ul");
    list.className = "mention-suggest card";
    list.id = "mention-suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", _("People to mention"));
    names.forEach((name, i) => {
      const li = document.createElement("li");
      li.id = `mention-option-${i}`;
      li.setAttribute("role", "option");
      li.textContent = `@${name}`;
      // mousedown, so the textarea keeps its focus and caret.
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      list.appendChild(li);
    });
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-controls", "mention-suggest");
    textarea.setAttribute("aria-expanded", "true");
    textarea.setAttribute("aria-autocomplete", "list");
    box = { textarea, list, names, index: 0, start };
    mark(0);
  }

  async function suggest(textarea) {
    if (textarea.selectionStart !== textarea.selectionEnd) return close();
    const typed = TYPING.exec(textarea.value.slice(0, textarea.selectionStart));
    if (!typed || !typed[1]) return close();
    const prefix = typed[1];
    const found = await lookup(prefix);
    // Still typing the same name in the same box?
    const now = TYPING.exec(textarea.value.slice(0, textarea.selectionStart));
    if (document.activeElement !== textarea || !now || now[1] !== prefix) return;
    if (!found.names.length) return close();
    offer(textarea, found.names, textarea.selectionStart - prefix.length);
  }

  // Finished names (not the one at the caret) that are nobody's.
  async function warn(textarea) {
    const caret = textarea.selectionStart;
    const names = [];
    for (const match of textarea.value.matchAll(MENTION)) {
      const end = match.index + match[0].length;
      if (end === caret && textarea === document.activeElement) continue; // still typing it
      if (!names.some((n) => n.toLowerCase() === match[1].toLowerCase())) names.push(match[1]);
    }
    const results = await Promise.all(names.slice(0, 20).map((name) => lookup(name)));
    const unknown = names.filter((name, i) => results[i] && !results[i].exact);
    let note = textarea.parentElement.querySelector(":scope > .mention-warning");
    if (!unknown.length) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "form-warning mention-warning";
      note.setAttribute("role", "status");
      (textarea.nextElementSibling && textarea.nextElementSibling.classList.contains("mention-suggest")
        ? textarea.nextElementSibling
        : textarea
      ).insertAdjacentElement("afterend", note);
    }
    const list = unknown.map((n) => `@${n}`).join(", ");
    note.textContent = `⚠ ${fmt(unknown.length > 1 ? _("Nobody has the user names %(names)s: nobody will be told.") : _("Nobody has the user name %(names)s: nobody will be told."), { names: list })}`;
  }

  document.addEventListener("input", (event) => {
    if (!isCommentBox(event.target)) return;
    const textarea = event.target;
    suggest(textarea);
    clearTimeout(timer);
    timer = setTimeout(() => warn(textarea), 250);
  });

  document.addEventListener(
    "keydown",
    (event) => {
      if (!box || event.target !== box.textarea) return;
      const n = box.names.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        mark((box.index + (event.key === "ArrowDown" ? 1 : n - 1)) % n);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        event.stopImmediatePropagation();
        choose(box.index);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopImmediatePropagation();
        close();
      }
    },
    true,
  );

  document.addEventListener("focusout", (event) => {
    if (!isCommentBox(event.target)) return;
    const textarea = event.target;
    setTimeout(() => {
      if (box && box.textarea === textarea && document.activeElement !== textarea) close();
      warn(textarea);
    }, 150);
  });
})();
