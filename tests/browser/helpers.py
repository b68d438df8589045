"""Drive the reader as a person would: real mouse drags over the rendered text."""

from playwright.sync_api import expect

LOCATE = """
([phrase, occurrence]) => {
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let all = '';
  while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data; }
  let index = -1;
  for (let i = 0; i <= occurrence; i++) index = all.indexOf(phrase, index + 1);
  if (index < 0) return null;
  const locate = (pos) => {
    for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= pos) return [nodes[i][0], pos - nodes[i][1]];
  };
  const rect = (pos, len) => {
    const [node, offset] = locate(pos);
    const r = document.createRange();
    r.setStart(node, offset);
    r.setEnd(node, Math.min(offset + len, node.data.length));
    return r.getBoundingClientRect();
  };
  const [startNode] = locate(index);
  startNode.parentElement.scrollIntoView({block: 'center'});
  let lastPos = index + phrase.length - 1;
  let lastLen = 1;
  const code = all.charCodeAt(lastPos);
  if (code >= 0xdc00 && code <= 0xdfff) { lastPos -= 1; lastLen = 2; }
  const first = rect(index, 1);
  const last = rect(lastPos, lastLen);
  return {x1: first.left + 1, y1: first.top + first.height / 2,
          x2: last.right - 1, y2: last.top + last.height / 2};
}
"""


def drag_select(page, phrase: str, occurrence: int = 0, until: str | None = None):
    """Press the mouse on the first character of `phrase` and release it on its last
    character (or on the last character of `until`, for selections across paragraphs),
    then wait for the tag picker, as a person would before pressing a key."""
    start = page.evaluate(LOCATE, [phrase, occurrence])
    assert start, f"{phrase!r} is not in the article"
    end = page.evaluate(LOCATE, [until, 0]) if until else start
    page.mouse.move(start["x1"], start["y1"])
    page.mouse.down()
    page.mouse.move((start["x1"] + end["x2"]) / 2, (start["y1"] + end["y2"]) / 2, steps=4)
    page.mouse.move(end["x2"], end["y2"], steps=4)
    page.mouse.up()
    expect(page.locator("#picker")).to_be_visible()


# What a long press and the selection handles leave behind: a document selection over the
# words, with no mouseup or keyup (Playwright cannot drag the handles themselves).
SELECT_WITH_HANDLES = """
(phrase) => {
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(phrase);
    if (at >= 0) {
      node.parentElement.scrollIntoView({block: 'center'});
      window.getSelection().setBaseAndExtent(node, at, node, at + phrase.length);
      return true;
    }
  }
  return false;
}
"""


def touch_select(page, phrase: str):
    """Select `phrase` (within one text node) as a finger leaves it, then wait for the
    picker, which only selectionchange can have opened."""
    assert page.evaluate(SELECT_WITH_HANDLES, phrase), f"{phrase!r} is not in one text node"
    expect(page.locator("#picker")).to_be_visible()
