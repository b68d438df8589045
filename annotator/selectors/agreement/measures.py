"""Agreement between annotators, as pure functions over plain data (no database).

Three views of one article's annotations, each named on the agreement page:

- Span level: Krippendorff's unitizing alpha, αu (Krippendorff 1995, "On the
  reliability of unitizing continuous data"; Content Analysis, 2nd ed. 2004, §12.4).
  The article is a continuum of characters; each annotator's annotations of one tag are
  that annotator's units of that tag, the rest of the text their gaps. Observed
  disagreement compares the sections two annotators drew where they overlap; expected
  disagreement is that of all the ways the same units could lie on the continuum.
  αu per tag, and overall as 1 - ΣDo / ΣDe. No package computes it: it is written from
  the definition here and checked in tests against examples worked by hand.
- Token level: the text's words (runs of letters and digits) are the units and each
  annotator gives every word a value: the tag of their innermost (shortest) annotation
  sharing a character with it, or "no tag". Pairwise Cohen's κ, and Krippendorff's α
  (nominal) over all annotators, which allows missing values (an annotator who did not
  work on an article).
- Confusion: for every annotation and every other annotator, what that annotator
  tagged at the same place: the tag of their annotation that overlaps it most (by at
  least half of the shorter of the two), or nothing.

A figure that cannot be computed (one annotator, no variation, an empty text) is None
with a reason a person can read: no NaN or infinity leaves this module.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import NamedTuple

import numpy as np

WORD = re.compile(r"\w+")
NO_TAG = ""  # the value of a word no annotation of an annotator covers
# Two annotations are "at the same place" when they overlap by at least this share of
# the shorter one.
SAME_PLACE = 0.5

NEEDS_TWO = "needs annotations by at least two people"
NO_WORDS = "the text has no words"
NO_VARIATION = "every word has the same value for everyone, so chance agreement is total"
UNUSED_TAG = "nobody used this tag"
NO_SHARED_WORDS = "no words that both annotated"


class Span(NamedTuple):
    """One annotation: who tagged [start, end) with which tag (a tuple: thousands are
    made per page)."""

    id: int
    annotator: str
    start: int
    end: int
    tag: str


@dataclass(frozen=True)
class Figure:
    """A measure's value, or None and why not."""

    value: float | None
    reason: str = ""

    @classmethod
    def of(cls, value, reason: str) -> "Figure":
        if value is None or not math.isfinite(value):
            return cls(None, reason)
        # -0.0 and rounding noise at the ends of the scale read badly.
        return cls(round(float(value), 12) + 0.0)


@dataclass(slots=True)
class Comparison:
    """One annotation and what another annotator tagged at the same place."""

    span: Span
    other: str  # the other annotator
    match: Span | None  # their annotation there, or None for nothing

    @property
    def other_tag(self) -> str:
        return self.match.tag if self.match else NO_TAG

    @property
    def agrees(self) -> bool:
        return self.other_tag == self.span.tag

    @property
    def pair_key(self) -> tuple:
        """The same for a comparison and its mirror image (b's annotation seen from a's
        and a's seen from b's), so a pair's disagreements are counted once."""
        if self.match is None:
            return (self.span.id, self.other)
        return (min(self.span.id, self.match.id), max(self.span.id, self.match.id))


ABSENT = -3  # match table: the annotator did not work on this text
OWN = -2  # match table: the annotation's own annotator
NOTHING = -1  # match table: the annotator tagged nothing at that place


@dataclass
class Matches:
    """For each annotation (`spans`, in text order) and each annotator (a column), the
    index in `spans` of that annotator's annotation at the same place, or NOTHING,
    OWN or ABSENT."""

    spans: list[Span]
    annotators: list[str]
    table: np.ndarray

    def comparisons(self) -> list[Comparison]:
        result = []
        spans, names = self.spans, self.annotators
        for i, a in zip(*np.nonzero(self.table >= NOTHING), strict=True):
            j = self.table[i, a]
            result.append(Comparison(spans[i], names[a], spans[j] if j >= 0 else None))
        return result

    @classmethod
    def joined(cls, parts: list["Matches"], annotators: list[str]) -> "Matches":
        """Several texts' tables as one, with columns for all `annotators`."""
        column = {name: k for k, name in enumerate(annotators)}
        spans, blocks, offset = [], [], 0
        for part in parts:
            block = np.full((len(part.spans), len(annotators)), ABSENT, dtype=np.int64)
            for k, name in enumerate(part.annotators):
                values = part.table[:, k]
                block[:, column[name]] = np.where(values >= 0, values + offset, values)
            spans += part.spans
            blocks.append(block)
            offset += len(part.spans)
        table = np.concatenate(blocks) if blocks else np.zeros((0, len(annotators)), np.int64)
        return cls(spans, list(annotators), table)


@dataclass
class Agreement:
    annotators: list[str]
    tags: list[str]
    annotation_count: int
    word_count: int
    characters: int
    unitized: Figure
    unitized_by_tag: dict[str, Figure]
    alpha: Figure
    kappa: dict[tuple[str, str], Figure]
    kappa_words: dict[tuple[str, str], int]
    mean_kappa: Figure
    tag_mix: dict[str, dict[str, int]]
    confusion: list[list[int]]  # rows: tags; columns: tags, then NO_TAG
    pair_disagreements: dict[tuple[str, str], int]
    comparison_count: int
    disagreement_count: int
    matches: "Matches" = field(repr=False)

    @cached_property
    def comparisons(self) -> list[Comparison]:
        """Every comparison as an object, built only when a list is asked for."""
        return self.matches.comparisons()


# Tokens ------------------------------------------------------------------------------------


def word_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The [start, end) of every word of `text`, in code points."""
    bounds = np.array([m.span() for m in WORD.finditer(text)], dtype=np.int64).reshape(-1, 2)
    return bounds[:, 0], bounds[:, 1]


def word_labels(
    bounds: tuple[np.ndarray, np.ndarray],
    spans: Sequence[Span],
    annotators: Sequence[str],
    tags: Sequence[str],
) -> np.ndarray:
    """A matrix annotators x words of values: 0 for no tag, i + 1 for tags[i]. A word
    takes the tag of the annotator's innermost annotation that touches it (the shortest;
    of equal ones the latest), as the reader colours it."""
    starts, ends = bounds
    row_of = {name: i for i, name in enumerate(annotators)}
    code = {tag: i + 1 for i, tag in enumerate(tags)}
    labels = np.zeros((len(annotators), len(starts)), dtype=np.int8)
    # Longest first, so shorter (inner) ones overwrite them; equal lengths by id.
    ordered = sorted(spans, key=lambda s: (s.start - s.end, s.id))
    firsts = np.searchsorted(ends, [s.start for s in ordered], side="right").tolist()
    lasts = np.searchsorted(starts, [s.end for s in ordered], side="left").tolist()
    for span, first, last in zip(ordered, firsts, lasts, strict=True):
        if first < last:
            labels[row_of[span.annotator], first:last] = code[span.tag]
    return labels


def cohen_kappa(a: np.ndarray, b: np.ndarray, categories: int) -> Figure:
    """Cohen's κ of two equally long arrays of values in range(categories)."""
    n = len(a)
    if n == 0:
        return Figure(None, NO_SHARED_WORDS)
    table = np.bincount(a.astype(np.int64) * categories + b, minlength=categories**2)
    table = table.reshape(categories, categories)
    observed = np.trace(table) / n
    expected = float(table.sum(axis=1) @ table.sum(axis=0)) / (n * n)
    if 1 - expected <= 1e-12:
        return Figure(None, NO_VARIATION)
    return Figure.of((observed - expected) / (1 - expected), NO_VARIATION)


def nominal_alpha(values: np.ndarray, categories: int) -> Figure:
    """Krippendorff's α for nominal data: `values` is coders x units, each in
    range(categories) or -1 where the coder gave none. Units with fewer than two values
    are not pairable and left out.

    Computed from the coincidence matrix over the distinct columns of value counts, each
    weighted by how often it occurs: memory grows with units x values, not units x
    values² as in the krippendorff package, and the work with the distinct columns (a
    few hundred however long the text)."""
    if values.shape[0] < 2:
        return Figure(None, NEEDS_TWO)
    counts = np.zeros((values.shape[1], categories), dtype=np.int64)
    for row in values:
        present = row >= 0
        counts[np.flatnonzero(present), row[present]] += 1
    pairable = counts.sum(axis=1)
    counts = counts[pairable >= 2]
    if len(counts) == 0:
        return Figure(None, NO_SHARED_WORDS)
    # One integer per column of counts (base: coders + 1), so finding the distinct ones
    # is a 1-D sort rather than a sort of rows.
    base = values.shape[0] + 1
    keys = counts @ (base ** np.arange(categories, dtype=np.int64))
    _, first, weight = np.unique(keys, return_index=True, return_counts=True)
    unique = counts[first]
    m = unique.sum(axis=1)
    # o[c][k] = sum over units of n_uc * (n_uk - [c == k]) / (m_u - 1)
    scaled = unique * (weight / (m - 1))[:, None]
    coincidence = scaled.T @ unique - np.diag(scaled.sum(axis=0))
    n_c = coincidence.sum(axis=0)
    n = n_c.sum()
    observed = n - np.trace(coincidence)
    expected = (n * n - float(n_c @ n_c)) / (n - 1)
    if expected <= 0:
        return Figure(None, NO_VARIATION)
    return Figure.of(1 - observed / expected, NO_VARIATION)


# Spans: unitized alpha -----------------------------------------------------------------------


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One annotator's units of one tag: overlapping annotations become one unit (αu
    assumes a coder's units of a category do not overlap). Adjacent ones stay two."""
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _category_disagreements(
    length: int, units_by_coder: dict[str, list[tuple[int, int]]], coders: Sequence[str]
) -> tuple[float, float, int]:
    """Observed and expected disagreement of one category (Krippendorff 2004, §12.4)
    and the number of its units. Sections are units and the gaps between them; for two
    coders' overlapping sections g, h (begin b, length l):

        δ²(g, h) = (b_g - b_h)² + (b_g + l_g - b_h - l_h)²   both units
                 = l_g²                                      unit g inside gap h
                 = l_h²                                      unit h inside gap g
                 = 0                                         otherwise

        Do = Σ over coder pairs i≠j, sections g of i, h of j: δ²(g, h) / (m(m-1) L²)

    A unit lies inside a gap of another coder exactly when it overlaps none of that
    coder's units, so the sum runs over overlapping unit pairs plus, for each unit, l²
    for each other coder with no unit on it. With N the number of units of all coders:

        De = 2/L · Σ_units [ (N-1)(2l³ - 3l² + l)/3 + l² Σ_gaps, l_gap ≥ l (l_gap - l + 1) ]
             / ( mL(mL - 1) - Σ_units l(l - 1) )
    """
    m = len(coders)
    index = {coder: k for k, coder in enumerate(coders)}
    rows = sorted((s, e, index[c]) for c in coders for s, e in units_by_coder.get(c, []))
    n_units = len(rows)
    if n_units == 0:
        return 0.0, 0.0, 0
    begin, end, coder = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    size = (end - begin).astype(np.float64)
    # Observed. Units of one coder never overlap (they were merged), so every unit that
    # starts inside another (starts are sorted) belongs to another coder: the overlapping
    # pairs are these, found as in match_table.
    reach = np.searchsorted(begin, end, side="left")
    counts = np.maximum(reach - np.arange(n_units) - 1, 0)
    total = int(counts.sum())
    first = np.repeat(np.arange(n_units), counts)
    second = first + 1 + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_sum = float(
        ((begin[first] - begin[second]).astype(np.float64) ** 2).sum()
        + ((end[first] - end[second]).astype(np.float64) ** 2).sum()
    )
    # For each unit, the other coders with a unit on it; l² for each of the others.
    touching = np.unique(np.concatenate([first * m + coder[second], second * m + coder[first]]))
    others_on = np.bincount(touching // m, minlength=n_units)
    unmatched = float((size**2 * (m - 1 - others_on)).sum())
    observed = 2 * (pair_sum + unmatched) / (m * (m - 1) * length * length)
    # Expected: every unit against the other units and against every gap at least as long.
    gaps = []
    for name in coders:
        position = 0
        for start, stop in units_by_coder.get(name, []):
            if start > position:
                gaps.append(start - position)
            position = stop
        if length > position:
            gaps.append(length - position)
    gaps = np.sort(np.array(gaps, dtype=np.float64))
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    at = np.searchsorted(gaps, size, side="left")
    longer = len(gaps) - at
    # (N-1)(2l³ - 3l² + l)/3 = (N-1) l(l-1)(2l-1)/3, plus l² Σ_(gap ≥ l) (gap - l + 1).
    within = (n_units - 1) * size * (size - 1) * (2 * size - 1) / 3
    against_gaps = size * size * (suffix[at] - longer * (size - 1))
    squares = float((size * (size - 1)).sum())
    expected = (
        2
        * float((within + against_gaps).sum())
        / (length * (m * length * (m * length - 1) - squares))
    )
    return observed, expected, n_units


def unitized_alpha(
    length: int, spans: Sequence[Span], annotators: Sequence[str], tags: Sequence[str]
) -> tuple[Figure, dict[str, Figure]]:
    """Krippendorff's αu over a continuum of `length` characters: overall, and per tag."""
    if len(annotators) < 2:
        reason = NEEDS_TWO
        return Figure(None, reason), {tag: Figure(None, reason) for tag in tags}
    if length <= 0:
        return Figure(None, NO_WORDS), {tag: Figure(None, NO_WORDS) for tag in tags}
    by_tag: dict[str, Figure] = {}
    observed_sum = expected_sum = 0.0
    for tag in tags:
        intervals: dict[str, list[tuple[int, int]]] = {}
        for span in spans:
            if span.tag == tag:
                intervals.setdefault(span.annotator, []).append((span.start, span.end))
        units = {coder: _merged(found) for coder, found in intervals.items()}
        observed, expected, count = _category_disagreements(length, units, annotators)
        if count == 0:
            by_tag[tag] = Figure(None, UNUSED_TAG)
            continue
        observed_sum += observed
        expected_sum += expected
        by_tag[tag] = (
            Figure.of(1 - observed / expected, NO_VARIATION)
            if expected > 0
            else Figure(None, NO_VARIATION)
        )
    if expected_sum <= 0:
        reason = NO_VARIATION if spans else "nobody annotated this text"
        return Figure(None, reason), by_tag
    return Figure.of(1 - observed_sum / expected_sum, NO_VARIATION), by_tag


# Confusion -------------------------------------------------------------------------------------


def match_table(spans: Sequence[Span], annotators: Sequence[str]) -> Matches:
    """For every annotation and every other annotator: their annotation at the same
    place (overlapping it by at least SAME_PLACE of the shorter one; the one overlapping
    most, then the closest, then the oldest), or NOTHING. Vectorised: the candidate
    pairs are the annotations starting before another ends, in text order."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end, s.id))
    n, r = len(ordered), len(annotators)
    table = np.full((n, r), NOTHING, dtype=np.int64)
    if n == 0:
        return Matches(ordered, list(annotators), table)
    column = {name: k for k, name in enumerate(annotators)}
    start = np.array([s.start for s in ordered], dtype=np.int64)
    end = np.array([s.end for s in ordered], dtype=np.int64)
    who = np.array([column[s.annotator] for s in ordered], dtype=np.int64)
    ids = np.array([s.id for s in ordered], dtype=np.int64)
    table[np.arange(n), who] = OWN
    # Pairs i < j with start_j < end_i: j starts inside i (starts are sorted).
    reach = np.searchsorted(start, end, side="left")
    counts = np.maximum(reach - np.arange(n) - 1, 0)
    total = int(counts.sum())
    if total:
        first = np.repeat(np.arange(n), counts)
        second = first + 1 + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        keep = who[first] != who[second]
        first, second = first[keep], second[keep]
        overlap = np.minimum(end[first], end[second]) - start[second]
        length = end - start
        keep = overlap >= SAME_PLACE * np.minimum(length[first], length[second])
        first, second, overlap = first[keep], second[keep], overlap[keep]
        distance = np.abs(start[first] - start[second]) + np.abs(end[first] - end[second])
        here = np.concatenate([first, second])
        there = np.concatenate([second, first])
        overlap = np.concatenate([overlap, overlap])
        distance = np.concatenate([distance, distance])
        group = here * r + who[there]
        # Best first within each (annotation, other annotator): most overlap, then the
        # closest, then the oldest (lowest id).
        order = np.lexsort((ids[there], distance, -overlap, group))
        grouped = group[order]
        leaders = order[np.concatenate([grouped[:1] >= 0, grouped[1:] != grouped[:-1]])]
        table[here[leaders], who[there[leaders]]] = there[leaders]
    return Matches(ordered, list(annotators), table)


def comparisons(spans: Sequence[Span], annotators: Sequence[str]) -> list[Comparison]:
    """match_table() as Comparison objects."""
    return match_table(spans, annotators).comparisons()


def _tallies(matches: Matches, tags: Sequence[str]):
    """The confusion matrix, each pair's disagreements (annotators x annotators; one
    disagreement seen from both sides counts once), the number of comparisons and the
    number of those that disagree."""
    k, r, n = len(tags), len(matches.annotators), len(matches.spans)
    code = {tag: i for i, tag in enumerate(tags)}
    column = {name: i for i, name in enumerate(matches.annotators)}
    tag = np.array([code[s.tag] for s in matches.spans], dtype=np.int64)
    who = np.array([column[s.annotator] for s in matches.spans], dtype=np.int64)
    rows, others = np.nonzero(matches.table >= NOTHING)
    found = matches.table[rows, others]
    row_tag = tag[rows]
    other_tag = np.where(found >= 0, tag[np.maximum(found, 0)], k) if n else row_tag
    confusion = np.bincount(row_tag * (k + 1) + other_tag, minlength=k * (k + 1))
    differ = other_tag != row_tag
    rows, others, found = rows[differ], others[differ], found[differ]
    keys = np.where(
        found >= 0,
        np.minimum(rows, found) * n + np.maximum(rows, found),
        n * n + rows * r + others,
    )
    _, first = np.unique(keys, return_index=True)
    a, b = who[rows[first]], others[first]
    pairs = np.bincount(np.minimum(a, b) * r + np.maximum(a, b), minlength=r * r)
    return (
        confusion.reshape(k, k + 1).tolist(),
        pairs.reshape(r, r),
        int(differ.size),
        int(differ.sum()),
    )


# All of it --------------------------------------------------------------------------------------


def _pairs(annotators: Sequence[str]) -> list[tuple[str, str]]:
    return list(combinations(annotators, 2))


def summarise(
    *,
    characters: int,
    word_count: int,
    spans: Sequence[Span],
    annotators: Sequence[str],
    tags: Sequence[str],
    labels: np.ndarray,
    unitized: tuple[Figure, dict[str, Figure]],
    matches: Matches,
) -> Agreement:
    """The figures of one article, or of several pooled: `labels` is annotators x words
    (values as word_labels, -1 where an annotator did not work on the text); `matches`
    the annotations at the same place (match_table, or Matches.joined)."""
    categories = len(tags) + 1
    kappa, kappa_words = {}, {}
    for i, j in _pairs(range(len(annotators))):
        both = (labels[i] >= 0) & (labels[j] >= 0)
        key = (annotators[i], annotators[j])
        kappa[key] = (
            cohen_kappa(labels[i][both], labels[j][both], categories)
            if word_count
            else Figure(None, NO_WORDS)
        )
        kappa_words[key] = int(both.sum())
    values = [f.value for f in kappa.values() if f.value is not None]
    if values:
        mean_kappa = Figure.of(sum(values) / len(values), NO_VARIATION)
    elif len(annotators) < 2:
        mean_kappa = Figure(None, NEEDS_TWO)
    else:
        reasons = {f.reason for f in kappa.values()}
        mean_kappa = Figure(
            None, reasons.pop() if len(reasons) == 1 else "no pair could be compared"
        )
    alpha = nominal_alpha(labels, categories) if word_count else Figure(None, NO_WORDS)
    tag_mix = {name: dict.fromkeys(tags, 0) for name in annotators}
    for span in spans:
        tag_mix[span.annotator][span.tag] += 1
    confusion, pairs, compared, disagreeing = _tallies(matches, tags)
    index = {name: i for i, name in enumerate(annotators)}
    pair_disagreements = {(a, b): int(pairs[index[a], index[b]]) for a, b in kappa}
    return Agreement(
        annotators=list(annotators),
        tags=list(tags),
        annotation_count=len(spans),
        word_count=word_count,
        characters=characters,
        unitized=unitized[0],
        unitized_by_tag=unitized[1],
        alpha=alpha,
        kappa=kappa,
        kappa_words=kappa_words,
        mean_kappa=mean_kappa,
        tag_mix=tag_mix,
        confusion=confusion,
        pair_disagreements=pair_disagreements,
        comparison_count=compared,
        disagreement_count=disagreeing,
        matches=matches,
    )


def article_agreement(text: str, spans: Sequence[Span], tags: Sequence[str]) -> Agreement:
    """Every figure for one text and its annotations."""
    annotators = sorted({s.annotator for s in spans})
    bounds = word_bounds(text)
    labels = word_labels(bounds, spans, annotators, tags)
    return summarise(
        characters=len(text),
        word_count=len(bounds[0]),
        spans=spans,
        annotators=annotators,
        tags=tags,
        labels=labels,
        unitized=unitized_alpha(len(text), spans, annotators, tags),
        matches=match_table(spans, annotators),
    )


def pooled_agreement(texts: Sequence[tuple[str, Sequence[Span]]], tags: Sequence[str]) -> Agreement:
    """The token-level figures, the confusion and the tag mix over several texts; a
    person who did not work on a text has no values there (κ of a pair uses the words
    both annotated; α allows the gaps). αu is per text only: unitizing has no notion of
    a coder who did not read a text, so it is not pooled (None, with that reason)."""
    annotators = sorted({s.annotator for _, spans in texts for s in spans})
    row = {name: i for i, name in enumerate(annotators)}
    blocks, all_spans, tables, words, characters = [], [], [], 0, 0
    for text, spans in texts:
        present = sorted({s.annotator for s in spans})
        tables.append(match_table(spans, present))
        bounds = word_bounds(text)
        local = word_labels(bounds, spans, present, tags)
        block = np.full((len(annotators), local.shape[1]), -1, dtype=np.int8)
        for i, name in enumerate(present):
            block[row[name]] = local[i]
        blocks.append(block)
        all_spans.extend(spans)
        words += len(bounds[0])
        characters += len(text)
    labels = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(annotators), 0), np.int8)
    per_text = "computed per article: see each article's page"
    return summarise(
        characters=characters,
        word_count=words,
        spans=all_spans,
        annotators=annotators,
        tags=tags,
        labels=labels,
        unitized=(Figure(None, per_text), {tag: Figure(None, per_text) for tag in tags}),
        matches=Matches.joined(tables, annotators),
    )
