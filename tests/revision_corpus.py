"""A corpus of realistic edits to two annotated articles, with the expected outcome for
every annotation: the measure of how article revisions carry annotations across.

Each edit is a list of splices of the old text (old[start:end] becomes `text`; a splice
with `source` inserts text moved from old[source:source + len(text)]), so the right
place of every span the edit did not touch is known independently of the algorithm
under test (`expected_span`). Used by tests/annotator/test_revision_corpus.py and by
bench/revisions.py, which reports the table in bench/README.md.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

DATA = Path(__file__).parent / "data"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"
NBSP_LINE = "\n\u00a0\n"


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str
    source: int | None = None  # the inserted text was moved from old[source:...]


@dataclass(frozen=True)
class Case:
    name: str
    splices: list[Splice]
    # phrase -> "orphaned", or ("moved", the new quote); every other annotation: exact.
    expect: dict = field(default_factory=dict)


def _applied(old: str, splices: list[Splice]) -> tuple[str, list[int]]:
    """The new text, and where each splice's text starts in it (in `splices` order)."""
    order = sorted(range(len(splices)), key=lambda k: (splices[k].start, splices[k].end, k))
    out, at, length, starts = [], 0, 0, [0] * len(splices)
    for k in order:
        splice = splices[k]
        out.append(old[at : splice.start])
        length += splice.start - at
        starts[k] = length
        out.append(splice.text)
        length += len(splice.text)
        at = max(at, splice.end)
    out.append(old[at:])
    return "".join(out), starts


def apply(old: str, splices: list[Splice]) -> str:
    return _applied(old, splices)[0]


def _shift(splices: list[Splice], position: int) -> int:
    """Where old `position` (outside every changed range) is in the new text: text
    inserted exactly there goes before it, as long as the span starts there."""
    delta = 0
    for s in splices:
        if s.end <= position if s.end > s.start else s.start <= position:
            delta += len(s.text) - (s.end - s.start)
    return position + delta


def expected_span(splices: list[Splice], start: int, end: int) -> tuple[int, int] | None:
    """Where the untouched span old[start:end] must land, or None if an edit cut it."""
    for k, s in enumerate(splices):
        if s.source is not None and s.source <= start and end <= s.source + len(s.text):
            return _moved_span(splices, k, start, end)
    for s in splices:
        if s.start < end and start < s.end:  # overlaps a changed range
            return None
        if s.start == s.end and start < s.start < end:  # an insertion inside
            return None
    new_start = _shift(splices, start)
    return new_start, new_start + end - start


def _moved_span(splices, k, start, end):
    # Positions in the new text do not depend on the old text's letters, only on lengths.
    longest = max(max(s.end for s in splices), end)
    _, starts = _applied("\0" * longest, splices)
    new_start = starts[k] + start - splices[k].source
    return new_start, new_start + end - start


def _replace(old: str, phrase: str, new: str, occurrence: int = 0) -> Splice:
    at = -1
    for _ in range(occurrence + 1):
        at = old.index(phrase, at + 1)
    return Splice(at, at + len(phrase), new)


def _delete(old: str, phrase: str) -> Splice:
    return _replace(old, phrase, "")


def _move(old: str, paragraph: str, after: str) -> list[Splice]:
    """Move `paragraph` (a line of its own, not the first) to just after the paragraph
    ending with `after`: the blank line before it goes with it."""
    block = "\n\n" + paragraph
    start = old.index(block)
    assert old[start + len(block)] == "\n", "a paragraph ends at the end of its line"
    target = old.index(after) + len(after)
    return [Splice(start, start + len(block), ""), Splice(target, target, block, source=start)]


def _paragraph(old: str, beginning: str) -> str:
    """The whole line (paragraph) that starts with `beginning`."""
    return old[old.index(beginning) :].split("\n", 1)[0]


def _section(old: str, number: int) -> Splice:
    """Delete section `number` (1-based) with the separator line before it."""
    starts = [0]
    at = old.find(NBSP_LINE)
    while at != -1:
        starts.append(at)
        at = old.find(NBSP_LINE, at + 1)
    end = starts[number] if number < len(starts) else len(old)
    return Splice(starts[number - 1], end, "")


# The seed article, "The Situation in Mexico", with its ten demo annotations ---------------


def seed() -> tuple[str, str, list[dict]]:
    article = json.loads((FIXTURES / "seed_article.json").read_text("utf-8"))[0]["fields"]
    notes = json.loads((FIXTURES / "demo_annotations.json").read_text("utf-8"))
    return article["title"], article["text"], notes


def seed_cases(old: str) -> list[Case]:
    considering = "he is considering entering the Mexican Embassy in Lima to capture Betssy Chávez"
    return [
        Case(
            "typo fixed",
            [_replace(old, "capture Betssy Chávez", "capture Betsy Chávez")],
            {considering: ("moved", considering.replace("Betssy", "Betsy"))},
        ),
        Case(
            "paragraph inserted at the top",
            [
                Splice(
                    0, 0, "Update, 24 November: Peru's foreign ministry has replied; see below.\n\n"
                )
            ],
        ),  # fmt: skip
        Case(
            "sentence deleted",
            [
                _delete(
                    old,
                    " She was arrested in June 2023, and in September 2025, the "
                    "Constitutional Court overturned her pretrial detention, ordering "
                    "her immediate release, which led her to seek political asylum at "
                    "the Mexican Embassy.",
                )
            ],
            {"She was arrested in June 2023": "orphaned"},
        ),  # fmt: skip
        Case(
            "paragraph moved",
            _move(
                old,
                "Given the precedent, Colombian President Gustavo Petro posted on X\n"
                "If Peru attacks the Mexican embassy, Colombia will withdraw its embassy.",
                after="Earlier this month, Peru broke off relations after learning that "
                "Mexico had granted asylum to Chávez.",
            ),
        ),
        Case(
            "quote inside a tagged span reworded",
            [_replace(old, "movements hijacked by the right", "movements co-opted by the right")],
            {
                "it is certain that movements hijacked by the right, such as Gen Z Mexico, "
                "will not be as successful as expected": (
                    "moved",
                    "it is certain that movements co-opted by the right, such as Gen Z "
                    "Mexico, will not be as successful as expected",
                )
            },
        ),
        Case(
            "whole section deleted",
            [_section(old, 2)],
            {
                considering: "orphaned",
                "did not rule out storming the Mexican embassy": "orphaned",
                "Peru's de facto president": "orphaned",
            },
        ),
    ]


# A longer article (tests/data/long_article.txt) with 30 annotations -----------------------

LONG_ANNOTATIONS = [
    # (author, phrase, tag)
    ("alice", "voted 27 to 14 on Tuesday night to fund the eastern extension", "fact"),
    ("bob", "The extension adds 6.8 kilometres of track and nine stops", "fact"),
    ("carol", "The approved budget is 412 million euros", "fact"),
    ("alice", "the national infrastructure fund will cover 180 million", "fact"),
    ("bob", "the first trams could carry passangers in the spring of 2028", "speculation"),
    ("carol", "the most important decision this council will take in a decade", "opinion"),
    ("alice", "This is a vanity project that the city cannot afford", "opinion"),
    ("bob", "vanity project", "opinion"),
    ("bob", "which opened in 2019 at a cost of 48 million euros per kilometre", "fact"),
    ("carol", "58% of respondents supported the extension", "fact"),
    ("alice", "predicts 38,000 journeys a day by 2030", "speculation"),
    ("bob", "the northern line's own forecast was too optimistic", "opinion"),
    (
        "carol",
        "the northern line carried 21,000 passengers a day, against a forecast of 30,000",
        "fact",
    ),  # fmt: skip
    ("alice", "She warned that interest rates could rise further", "speculation"),
    ("bob", "three years of roadworks would drive small shops out of business", "speculation"),
    ("carol", "the tram was the best news the neighbourhood had had in years", "opinion"),
    (
        "alice",
        "62% of residents had missed work or a medical appointment because of a late bus",
        "fact",
    ),  # fmt: skip
    ("bob", "the line would take an estimated 11,000 cars off the road each day", "speculation"),
    ("carol", "A hearing is expected in the autumn", "speculation"),
    ("alice", "projects that fall behind schedule may lose part of their grant", "speculation"),
    ("bob", "Polls published last month suggest the race will be close.", "speculation"),
    ("carol", "the timetable would almost certainly slip by a year or more", "speculation"),
    ("alice", "A line along the river was first proposed in 1998", "fact"),
    ("bob", "delivered four months late and 12% over budget", "fact"),
    ("carol", "Every engineer knows that bridges and tunnels are where budgets die", "opinion"),
    (
        "alice",
        "The bridge is the most expensive single item in the budget, at 96 million euros.",
        "fact",
    ),  # fmt: skip
    (
        "bob",
        "would return between 0.9 and 1.4 euros of social benefit for every euro spent",
        "fact",
    ),  # fmt: skip
    (
        "carol",
        "It is clear that the city needs better transport, but the price tag is hard to justify",
        "opinion",
    ),  # fmt: skip
    ("alice", "the price tag is hard to justify", "opinion"),
    (
        "alice",
        "The council will publish the full contract documents on its website within thirty days",
        "speculation",
    ),  # fmt: skip
]


def long() -> tuple[str, str, list[dict]]:
    raw = (DATA / "long_article.txt").read_text("utf-8")
    title, _, text = raw.partition("\n\n")
    notes = [{"author": a, "phrase": p, "tag": t, "note": ""} for a, p, t in LONG_ANNOTATIONS]
    return title, text, notes


def long_cases(old: str) -> list[Case]:
    price = "It is clear that the city needs better transport, but the price tag is hard to justify"
    return [
        Case(
            "typo fixed",
            [_replace(old, "passangers", "passengers")],
            {
                "the first trams could carry passangers in the spring of 2028": (
                    "moved",
                    "the first trams could carry passengers in the spring of 2028",
                )
            },
        ),
        Case(
            "paragraph inserted at the top",
            [
                Splice(
                    0,
                    0,
                    "Correction: an earlier version of this article misstated the "
                    "length of the extension.\n\n",
                )
            ],
        ),  # fmt: skip
        Case(
            "sentence deleted",
            [
                _delete(
                    old,
                    " She warned that interest rates could rise further and said the "
                    "council should have waited for the central bank's decision in "
                    "June.",
                )
            ],
            {"She warned that interest rates could rise further": "orphaned"},
        ),  # fmt: skip
        Case(
            "paragraph moved",
            _move(
                old,
                _paragraph(old, "Opposition councillor Marek Duda"),
                after="Officials said the first trams could carry passangers in the spring of "
                "2028 if the works stay on schedule.",
            ),
        ),
        Case(
            "quote inside a tagged span reworded",
            [
                _replace(
                    old, "the price tag is hard to justify", "the price tag is difficult to justify"
                )
            ],
            {
                price: ("moved", price.replace("hard", "difficult")),
                "the price tag is hard to justify": (
                    "moved",
                    "the price tag is difficult to justify",
                ),
            },
        ),  # fmt: skip
        Case(
            "whole section deleted",
            [_section(old, 4)],
            {
                "A line along the river was first proposed in 1998": "orphaned",
                "delivered four months late and 12% over budget": "orphaned",
                "Every engineer knows that bridges and tunnels are where budgets die": "orphaned",
                "The bridge is the most expensive single item in the budget, at 96 million "
                "euros.": "orphaned",
                "would return between 0.9 and 1.4 euros of social benefit for every euro "
                "spent": "orphaned",
            },
        ),
    ]


def harder_cases(old: str) -> list[Case]:
    """Edits beyond the six the issue names, on the longer article."""
    duda = "\n\n" + _paragraph(old, "Opposition councillor Marek Duda")
    at = old.index(duda)
    after = "if the works stay on schedule."
    target = old.index(after) + len(after)
    cut = duda.index("vanity")
    moved_and_edited = [
        Splice(at, at + len(duda), ""),
        Splice(target, target, duda[:cut], source=at),
        Splice(target, target, "prestige"),
        Splice(target, target, duda[cut + 6 :], source=at + cut + 6),
    ]
    critics = _paragraph(old, "Critics point out")
    vanity = "This is a vanity project that the city cannot afford"
    return [
        Case(
            "paragraph moved and edited",
            moved_and_edited,
            {vanity: ("moved", vanity.replace("vanity", "prestige")), "vanity project": "orphaned"},
        ),
        Case(
            "paragraph rewritten",
            [
                _replace(
                    old,
                    critics,
                    "The northern line has had a mixed record. Its ridership "
                    "in the first year fell well short of what its planners "
                    "had hoped, according to transport authority data.",
                )
            ],
            {
                "the northern line's own forecast was too optimistic": "orphaned",
                "the northern line carried 21,000 passengers a day, against a forecast of "
                "30,000": "orphaned",
            },
        ),  # fmt: skip
        Case(
            "several figures corrected",
            [
                _replace(old, "27 to 14 on Tuesday night", "28 to 13 on Tuesday evening"),
                _replace(old, "412 million", "421 million"),
                _replace(old, "62% of residents", "a majority of residents"),
            ],
            {
                "voted 27 to 14 on Tuesday night to fund the eastern extension": (
                    "moved",
                    "voted 28 to 13 on Tuesday evening to fund the eastern extension",
                ),
                "The approved budget is 412 million euros": (
                    "moved",
                    "The approved budget is 421 million euros",
                ),
                "62% of residents had missed work or a medical appointment because of a late bus": (
                    "moved",
                    "a majority of residents had missed work or a medical "
                    "appointment because of a late bus",
                ),
            },
        ),  # fmt: skip
    ]


ARTICLES = {
    "seed": (seed, seed_cases),
    "long": (long, lambda old: long_cases(old) + harder_cases(old)),
}


def outcome_of(annotation, before: tuple[int, int, str], case: Case, new_text: str) -> str:
    """ "exact", "moved" or "orphaned" when the annotation landed where it must, and
    "wrong: ..." otherwise (a wrong anchor)."""
    start, end, quote = before
    expected = case.expect.get(quote, "exact")
    landed = (annotation.start, annotation.end)
    if expected == "orphaned":
        ok = annotation.anchor == "orphaned" and landed == (start, end)
        return "orphaned" if ok else f"wrong: expected orphaned, got {annotation.anchor}"
    if annotation.anchor == "orphaned":
        return f"wrong: orphaned, expected {expected}"
    if new_text[annotation.start : annotation.end] != annotation.quote:
        return "wrong: its quote is not at its offsets"
    if expected == "exact":
        right = expected_span(case.splices, start, end)
        ok = annotation.anchor == "exact" and annotation.quote == quote and landed == right
        return (
            "exact" if ok else f"wrong: expected exact at {right}, got {annotation.anchor} {landed}"
        )
    _, new_quote = expected
    # The moved quote must be the occurrence of its new words nearest the old position.
    guess = expected_span(case.splices, start, start) or (start, start)
    occurrences = [i for i in range(len(new_text)) if new_text.startswith(new_quote, i)]
    nearest = min(occurrences, key=lambda i: abs(i - guess[0]), default=None)
    ok = annotation.anchor == "moved" and annotation.quote == new_quote
    if ok and annotation.start == nearest:
        return "moved"
    return f"wrong: expected moved to {new_quote!r}, got {annotation.anchor} {annotation.quote!r}"
