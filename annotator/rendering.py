"""Turn an article's text and its annotations into reader HTML whose size is the text
plus a small constant per annotation.

Each paragraph is a `<p data-start="N">` holding exactly the characters of
Article.text from offset N (in code points), so the page script turns a browser
selection into offsets by counting characters from the paragraph's start. Nothing but
text goes inside: highlight letters and status symbols are CSS.

Highlights: the text is cut where an annotation starts and where the innermost
(shortest) annotation covering it changes. A piece where annotations start carries one
`<mark ... data-annotation-id="ID">` per annotation starting there, nested longest
outside, so every annotation has exactly one element a page (or a test) finds by
`[data-annotation-id="ID"]`. A piece where none starts carries one plain
`<mark class="hl tag-KEY">` in the colour of its innermost annotation, with
`hl-overlap` when several cover it. No piece lists covering ids: the page knows every
annotation's span (the reader data) and works out what covers a point when asked.
static/js/reader.js renders a paragraph the same way when a change arrives live; a
browser test holds the two to the same output.
"""

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape  # what django.utils.html.escape does, without its wrappers

from django.utils.safestring import SafeString, mark_safe

# Status markers the highlight shows (pending shows none).
MARKED_STATUSES = {"accepted", "disputed", "settled"}


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "paragraph" or "break"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Span:
    id: int
    start: int
    end: int
    tag: str  # key
    status: str = ""
    moved: bool = False  # carried by an article revision with its words changed


def blocks(text: str) -> list[Block]:
    """Paragraphs are non-blank lines; a line holding only (non-breaking) spaces is a
    section break; empty lines separate paragraphs."""
    result = []
    offset = 0
    for line in text.split("\n"):
        end = offset + len(line)
        if line.strip():
            result.append(Block("paragraph", offset, end))
        elif line:
            result.append(Block("break", offset, end))
        offset = end + 1
    return result


def _open_start(span: Span, extra: str = "") -> str:
    status = f' data-status="{span.status}"' if span.status in MARKED_STATUSES else ""
    if span.moved:
        status += ' data-anchor="moved"'
    return f'<mark class="hl tag-{span.tag}{extra}" data-annotation-id="{span.id}"{status}>'


def render_block(text: str, block: Block, spans: Sequence[Span], previous_end: int = 0) -> str:
    """One paragraph's inner HTML. `spans` are those overlapping the block, sorted by
    start. A span that began in an earlier paragraph (before `previous_end`, where the
    previous paragraph ends) continues without a start wrapper; one that began in the
    white space between paragraphs gets its start wrapper here.

    The block is cut into runs: a new run begins where an annotation starts or where the
    innermost covering annotation changes, and goes on otherwise, so a highlight costs
    about one element whatever the annotations around it do."""
    points = {block.start, block.end}
    for s in spans:
        if block.start < s.start < block.end:
            points.add(s.start)
        if block.start < s.end < block.end:
            points.add(s.end)
    points = sorted(points)
    heap: list[tuple[int, int, Span]] = []  # (length, -id, span): shortest, newest first
    out = []
    index = 0
    run = None  # (start, starting spans, innermost span, overlap class)

    def flush(until: int) -> None:
        if run is None:
            return
        lo, starting, inner, overlap = run
        chunk = escape(text[lo:until])
        if starting:
            html = "".join(_open_start(s, overlap if s is inner else "") for s in starting)
            closing = len(starting)
            if inner is not None and inner not in starting:
                html += f'<mark class="hl tag-{inner.tag}{overlap}">'
                closing += 1
            out.append(html + chunk + "</mark>" * closing)
        elif inner is not None:
            out.append(f'<mark class="hl tag-{inner.tag}">{chunk}</mark>')
        else:
            out.append(chunk)

    for lo in points[:-1]:
        starting = []
        while index < len(spans) and spans[index].start <= lo:
            s = spans[index]
            index += 1
            if s.end > lo:
                heapq.heappush(heap, (s.end - s.start, -s.id, s))
                if s.start == lo or (lo == block.start and s.start >= previous_end):
                    starting.append(s)
        while heap and heap[0][2].end <= lo:
            heapq.heappop(heap)
        inner = heap[0][2] if heap else None
        if starting or run is None or inner is not run[2]:
            flush(lo)
            starting.sort(key=lambda s: (s.start - s.end, s.id))  # longest outside
            overlap = " hl-overlap" if starting and _several(heap, lo) else ""
            run = (lo, starting, inner, overlap)
    flush(block.end)
    return "".join(out)


def _several(heap: list, at: int) -> bool:
    """Whether more than one span in `heap` still covers `at` (ended ones linger)."""
    found = 0
    for _, _, span in heap:
        if span.end > at:
            found += 1
            if found > 1:
                return True
    return False


def render_text(text: str, spans: Sequence[Span]) -> SafeString:
    """The article `text` with `spans` (sorted by start, then end) as reader HTML."""
    out = []
    active: list[Span] = []
    cursor = 0
    previous_end = 0
    for block in blocks(text):
        if block.kind == "break":
            raw = escape(text[block.start : block.end])
            out.append(f'<hr class="section-break" data-start="{block.start}" data-text="{raw}">')
            continue
        active = [s for s in active if s.end > block.start]
        while cursor < len(spans) and spans[cursor].start < block.end:
            if spans[cursor].end > block.start:
                active.append(spans[cursor])
            cursor += 1
        active.sort(key=lambda s: (s.start, s.end, s.id))
        out.append(f'<p class="para" data-start="{block.start}">')
        out.append(render_block(text, block, active, previous_end))
        out.append("</p>")
        previous_end = block.end
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
