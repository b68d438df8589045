"""Turn an article's text and its annotations into reader HTML.

The text is split at every paragraph edge and every annotation boundary, so that
overlapping and identical spans all stay visible and clickable. Every rendered run of
text carries `data-start`, its offset in code points, which is how the page script
turns a browser selection back into offsets of Article.text. Characters that are not
rendered (the newlines between paragraphs) need no mapping because of that.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "paragraph" or "break"
    start: int
    end: int


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


def _boundaries(block: Block, spans: Sequence) -> list[int]:
    points = {block.start, block.end}
    for span in spans:
        if block.start < span.start < block.end:
            points.add(span.start)
        if block.start < span.end < block.end:
            points.add(span.end)
    return sorted(points)


def render_text(text: str, annotations: Iterable, underline_class: dict[int, str]) -> SafeString:
    """Render `text` with `annotations` (objects with id, start, end, tag, author) as HTML.

    `annotations` must be sorted by start. `underline_class` maps a tag id to the CSS
    class that tells tags apart without colour.
    """
    anns = list(annotations)
    # Everything a highlight says about one annotation, worked out once.
    info = {
        a.id: (
            a.end - a.start,
            f"hl tag-{a.tag.key} {underline_class.get(a.tag_id, '')}",
            a.tag.key[:1].upper(),
            escape(f"{a.tag.label} by {a.author.username}{_status(a)}{_moved(a)}"),
            _known_status(a),
        )
        for a in anns
    }
    out = []
    cursor = 0  # index of the first annotation not yet started
    active = []
    for block in blocks(text):
        if block.kind == "break":
            out.append(f'<hr class="section-break" data-start="{block.start}">')
            continue
        # Annotations that started before this block and still cover it stay active.
        active = [a for a in active if a.end > block.start]
        while cursor < len(anns) and anns[cursor].start < block.end:
            if anns[cursor].end > block.start:
                active.append(anns[cursor])
            cursor += 1
        out.append(f'<p class="para" data-start="{block.start}">')
        for piece_start, piece_end in _pairwise(_boundaries(block, active)):
            chunk = escape(text[piece_start:piece_end])
            covering = [a for a in active if a.start <= piece_start and a.end >= piece_end]
            if covering:
                out.append(_mark(piece_start, chunk, covering, info))
            else:
                out.append(f'<span data-start="{piece_start}">{chunk}</span>')
        out.append("</p>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _mark(start: int, chunk: str, covering: list, info: dict) -> str:
    # The innermost (shortest) annotation decides the colour; the others stay listed.
    inner = min(covering, key=lambda a: (info[a.id][0], -a.id))
    classes = info[inner.id][1]
    ids = " ".join(str(pk) for pk in sorted(a.id for a in covering))
    letters = "".join(info[a.id][2] for a in covering if a.start == start)
    extra = ""
    if len(covering) > 1:
        classes += " hl-overlap"
    if letters:
        extra = f' data-letters="{letters}"'
    status = info[inner.id][4]
    if status:
        extra += f' data-status="{status}"'
    if any(getattr(a, "anchor", "exact") == "moved" for a in covering):
        # Carried with the text by a revision and its words changed: to check.
        extra += ' data-anchor="moved"'
    label = "; ".join(info[a.id][3] for a in covering)
    return (
        f'<mark class="{classes}" data-start="{start}" data-ids="{ids}" '
        f'data-count="{len(covering)}"{extra} title="{label}">{chunk}</mark>'
    )


def _known_status(annotation) -> str:
    # Review status (issue 4), only when annotated by with_status(): never a query per mark.
    return getattr(annotation, "review_status", "")


def _moved(annotation) -> str:
    return " (moved with the text: check)" if getattr(annotation, "anchor", "") == "moved" else ""


def _status(annotation) -> str:
    status = _known_status(annotation)
    return f", {status}" if status else ""


def _pairwise(points: list[int]):
    return zip(points, points[1:], strict=False)
