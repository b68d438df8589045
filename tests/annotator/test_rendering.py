"""The reader's HTML: its size follows the text and the number of annotations, and
every annotation has exactly one element that names it, wherever it starts."""

import random
import re
from html import unescape

from annotator.rendering import Span, blocks, render_text

TEXT = (
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful waste of money, said 😀 critics.\n \n"
    "Traffic will probably double next year.\n\n\n"
    "Nobody knows."
)


def _spans(rng, n):
    found = []
    for pk in range(1, n + 1):
        start = rng.randrange(0, len(TEXT) - 1)
        end = rng.randrange(start + 1, min(len(TEXT), start + 60) + 1)
        found.append(Span(pk, start, end, rng.choice(["fact", "opinion"]), "pending"))
    return sorted(found, key=lambda s: (s.start, s.end, s.id))


def _visible(s: Span) -> bool:
    # Only paragraph text is drawn; a span made only of newlines or a break has no text.
    return any(b.kind == "paragraph" and s.start < b.end and s.end > b.start for b in blocks(TEXT))


def test_every_annotation_has_one_element_and_the_text_is_kept_whole():
    rng = random.Random(3)
    for _ in range(200):
        spans = _spans(rng, rng.randint(1, 12))
        html = str(render_text(TEXT, spans))
        for s in spans:
            assert html.count(f'data-annotation-id="{s.id}"') == (1 if _visible(s) else 0), (
                s,
                html,
            )
        paragraphs = re.findall(r'<p class="para" data-start="(\d+)">(.*?)</p>', html)
        for start, inner in paragraphs:
            plain = unescape(re.sub(r"<[^>]+>", "", inner))
            assert TEXT[int(start) : int(start) + len(plain)] == plain
        assert html.count("<mark") == html.count("</mark>")


def test_an_annotation_starting_between_paragraphs_is_named_in_the_next_one():
    gap = TEXT.index("\n\n")
    html = str(render_text(TEXT, [Span(7, gap, gap + 10, "fact")]))
    assert '<p class="para" data-start="43"><mark class="hl tag-fact" data-annotation-id="7">' in (
        html
    )
