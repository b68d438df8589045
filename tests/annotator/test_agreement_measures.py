"""The agreement figures, against examples worked by hand and reference implementations
(scikit-learn's cohen_kappa_score, the krippendorff package)."""

import json
import math
import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.selectors.agreement import measures
from annotator.selectors.agreement.measures import Span

TAGS = ["fact", "opinion", "speculation"]


def span(pk, who, start, length, tag="fact"):
    return Span(pk, who, start, start + length, tag)


# Unitized alpha: worked by hand ---------------------------------------------------------------


def test_unitized_alpha_small_example_worked_by_hand():
    """Two coders on a continuum of L = 10 characters, one category A:

        r0: -AAAAAAAA-      one unit [1, 9)
        r1: --A-A-A---      units [2, 3), [4, 5), [6, 7)

    Sections (unit or gap) of r0: gap[0,1) unit[1,9) gap[9,10);
    of r1: gap[0,2) unit[2,3) gap[3,4) unit[4,5) gap[5,6) unit[6,7) gap[7,10).

    Observed. Overlapping pairs with a non-zero δ² are unit-unit pairs:
      [1,9)~[2,3): (1-2)² + (9-3)² = 1 + 36 = 37
      [1,9)~[4,5): (1-4)² + (9-5)² = 9 + 16 = 25
      [1,9)~[6,7): (1-6)² + (9-7)² = 25 + 4 = 29
    No unit lies wholly inside a gap of the other coder (each r1 unit is inside r0's
    unit, and r0's unit is inside no gap of r1), so Σδ² = 91 and
      Do = 2 · 91 / (m(m-1) L²) = 182 / (2 · 1 · 100) = 0.91.

    Expected. N = 4 units (lengths 8, 1, 1, 1); gaps of both coders: 1, 1, 2, 1, 1, 3.
      l = 8: (N-1)(2·512 - 3·64 + 8)/3 = 3 · 840 / 3 = 840; no gap is ≥ 8: + 0.
      l = 1: (N-1)(2 - 3 + 1)/3 = 0; l² Σ_(gap ≥ 1) (gap - 1 + 1) = 1+1+2+1+1+3 = 9.
      Σ = 840 + 3 · 9 = 867;  2/L · Σ = 173.4.
      Denominator: mL(mL - 1) - Σ l(l-1) = 20 · 19 - 8 · 7 = 380 - 56 = 324.
      De = 173.4 / 324 = 0.535185...
    αu = 1 - 0.91 / 0.535185 = -0.700346...
    """
    spans = [span(1, "r0", 1, 8, "A"), span(2, "r1", 2, 1, "A"), span(3, "r1", 4, 1, "A")]
    spans.append(span(4, "r1", 6, 1, "A"))
    observed, expected, count = measures._category_disagreements(
        10, {"r0": [(1, 9)], "r1": [(2, 3), (4, 5), (6, 7)]}, ["r0", "r1"]
    )
    assert (count, observed) == (4, pytest.approx(0.91))
    assert expected == pytest.approx(173.4 / 324)
    overall, by_tag = measures.unitized_alpha(10, spans, ["r0", "r1"], ["A"])
    assert overall.value == pytest.approx(1 - 0.91 / (173.4 / 324))
    assert overall.value == pytest.approx(-0.700346, abs=1e-6)
    assert by_tag["A"] == overall


def test_unitized_alpha_krippendorff_2004_example():
    """Krippendorff, Content Analysis (2004), p. 254: two observers i and j on a
    continuum from 150 to 450 (L = 300), categories c and k; published values
    Do_c = .0144, De_c = .0532, αu_c = .7286, αu_k = 1 and αu = .8591 (rounded there).
    Positions below are shifted by -150.

      c: i [75,145) [220,250);  j [70,150) [205,225) [250,270)
      k: i and j both [30,90) [150,200)

    Observed, c. Unit pairs: [75,145)~[70,150): 5² + 5² = 50; [220,250)~[205,225):
    15² + 25² = 850. j's unit [250,270) lies inside i's gap [250,300): 20² = 400.
    Σ = 1300;  Do_c = 2 · 1300 / (2 · 1 · 300²) = 0.014444.

    Expected, c. N = 5 units (70, 30, 80, 20, 20); gaps 75, 75, 50 (i) and 70, 55,
    25, 30 (j). Per unit, (N-1) l(l-1)(2l-1)/3 + l² Σ_(gap ≥ l) (gap - l + 1):
      70: 895160 + 4900 · 13 = 958860        30: 68440 + 900 · 181 = 231340
      80: 1339840 + 0 = 1339840              20: 19760 + 400 · 247 = 118560 (twice)
    Σ = 2767160;  2/L · Σ = 18447.73.  Denominator 600 · 599 - 12780 = 346620.
    De_c = 0.053222;  αu_c = 1 - 0.014444 / 0.053222 = 0.72860.

    k: both observers drew the same units, Do_k = 0; N = 4 (60, 50, 60, 50); gaps 30,
    60, 100 each: Σ = 2 · 723660 + 2 · 552550 = 2552420; De_k = 2/300 · 2552420 /
    347420 = 0.048979; αu_k = 1.  Overall αu = 1 - (0.014444 + 0) / (0.053222 +
    0.048979) = 0.85867 (the book's .8591 within its rounding).
    """
    rows = [
        (225, 70, "i", "c"), (370, 30, "i", "c"), (220, 80, "j", "c"), (355, 20, "j", "c"),
        (400, 20, "j", "c"), (180, 60, "i", "k"), (300, 50, "i", "k"), (180, 60, "j", "k"),
        (300, 50, "j", "k"),
    ]  # fmt: skip
    spans = [span(n, who, b - 150, length, tag) for n, (b, length, who, tag) in enumerate(rows)]
    units_c = {"i": [(75, 145), (220, 250)], "j": [(70, 150), (205, 225), (250, 270)]}
    observed, expected, _ = measures._category_disagreements(300, units_c, ["i", "j"])
    assert observed == pytest.approx(2600 / 180000)
    assert expected == pytest.approx(2 / 300 * 2767160 / 346620)
    assert (round(observed, 4), round(expected, 4)) == (0.0144, 0.0532)
    overall, by_tag = measures.unitized_alpha(300, spans, ["i", "j"], ["c", "k"])
    assert by_tag["c"].value == pytest.approx(0.7286, abs=5e-5)
    assert by_tag["k"].value == 1.0
    assert overall.value == pytest.approx(0.8591, abs=5e-4)
    assert overall.value == pytest.approx(
        1 - (2600 / 180000) / (2 / 300 * 2767160 / 346620 + 2 / 300 * 2552420 / 347420)
    )


def test_identical_annotations_agree_perfectly_and_overlaps_of_one_person_merge():
    """Alice's two overlapping Fact spans [0,10) and [5,20) are one unit [0,20), the
    same as Bob's one span: no observed disagreement, αu = 1."""
    spans = [
        span(1, "alice", 0, 10), span(2, "alice", 5, 15), span(3, "bob", 0, 20),
        span(4, "alice", 30, 10, "opinion"), span(5, "bob", 30, 10, "opinion"),
    ]  # fmt: skip
    overall, by_tag = measures.unitized_alpha(60, spans, ["alice", "bob"], TAGS)
    assert overall.value == 1.0 and by_tag["fact"].value == 1.0
    assert by_tag["speculation"] == measures.Figure(None, measures.UNUSED_TAG)


def test_disjoint_annotations_disagree():
    """Alice marks [0,10), Bob [20,30), both Fact: each unit lies in the other's gap,
    Σδ² = 10² + 10² = 200, Do = 2 · 200 / (2 · 40²) = 0.125; De from the two units of
    10 and the gaps 30 (alice) and 20, 10 (bob): per unit (1)(10·9·19)/3 = 570 plus
    100 · ((30-9) + (20-9) + (10-9)) = 3300, Σ = 7740, De = 2/40 · 7740 / (80·79 -
    2·90) = 387 / 6140; αu = 1 - 0.125 · 6140 / 387 = -0.9832."""
    spans = [span(1, "alice", 0, 10), span(2, "bob", 20, 10)]
    overall, _ = measures.unitized_alpha(40, spans, ["alice", "bob"], ["fact"])
    assert overall.value == pytest.approx(1 - 0.125 / (387 / 6140))


# Tokens -----------------------------------------------------------------------------------------


def test_words_take_the_innermost_tag_or_no_tag():
    text = "Alpha beta gamma, delta epsilon."
    #       0     6    11    18    24
    spans = [
        span(1, "alice", 0, 16, "fact"),  # Alpha beta gamma
        span(2, "alice", 6, 4, "opinion"),  # beta: inside, shorter, wins
        span(3, "bob", 8, 12, "speculation"),  # "ta gamma, de": touches beta..delta
    ]
    bounds = measures.word_bounds(text)
    assert list(bounds[0]) == [0, 6, 11, 18, 24] and list(bounds[1]) == [5, 10, 16, 23, 31]
    labels = measures.word_labels(bounds, spans, ["alice", "bob"], TAGS)
    assert labels.tolist() == [[1, 2, 1, 0, 0], [0, 3, 3, 3, 0]]


def test_kappa_matches_scikit_learn():
    rng = np.random.default_rng(12)
    for _ in range(30):
        n = int(rng.integers(5, 300))
        a = rng.integers(0, 4, n)
        b = np.where(rng.random(n) < rng.random(), a, rng.integers(0, 4, n))
        ours = measures.cohen_kappa(a, b, 4)
        if len(set(a) | set(b)) == 1:
            assert ours.value is None
            continue
        assert ours.value == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


def test_nominal_alpha_matches_the_krippendorff_package_and_its_worked_example():
    # Krippendorff's own example (missing values as -1): α = 0.691 (nominal).
    data = [
        [-1, -1, -1, -1, -1, 3, 4, 1, 2, 1, 1, 3, 3, -1, 3],
        [1, -1, 2, 1, 3, 3, 4, 3, -1, -1, -1, -1, -1, -1, -1],
        [-1, -1, 2, 1, 3, 4, 4, -1, 2, 1, 1, 3, 3, -1, 4],
    ]
    assert measures.nominal_alpha(np.array(data), 5).value == pytest.approx(0.691358, abs=1e-6)
    rng = np.random.default_rng(5)
    for _ in range(20):
        coders, units = int(rng.integers(2, 8)), int(rng.integers(10, 400))
        values = rng.integers(0, 4, (coders, units))
        values[rng.random((coders, units)) < 0.25] = -1
        reference = values.astype(float)
        reference[values < 0] = np.nan
        expected = krippendorff.alpha(
            reliability_data=reference, level_of_measurement="nominal", value_domain=range(4)
        )
        assert measures.nominal_alpha(values, 4).value == pytest.approx(expected, abs=1e-9)


def test_article_figures_equal_the_references_on_the_word_matrix():
    rng = random.Random(4)
    text = " ".join(rng.choice(["claims", "said", "will", "maybe", "shameful"]) for _ in range(400))
    spans = []
    for pk in range(1, 200):
        start = rng.randrange(0, len(text) - 60)
        spans.append(span(pk, rng.choice("abcd"), start, rng.randint(3, 60), rng.choice(TAGS)))
    figures = measures.article_agreement(text, spans, TAGS)
    labels = measures.word_labels(measures.word_bounds(text), spans, figures.annotators, TAGS)
    for (a, b), kappa in figures.kappa.items():
        i, j = figures.annotators.index(a), figures.annotators.index(b)
        assert kappa.value == pytest.approx(cohen_kappa_score(labels[i], labels[j]), abs=1e-9)
    expected = krippendorff.alpha(
        reliability_data=labels.astype(float), level_of_measurement="nominal", value_domain=range(4)
    )
    assert figures.alpha.value == pytest.approx(expected, abs=1e-9)


# Confusion and comparisons --------------------------------------------------------------------


def test_confusion_counts_what_others_tagged_at_the_same_place():
    """alice Fact [0,20); bob Opinion [2,18) (same place), bob Fact [50,60) (nowhere near
    alice's); carol Fact [10,40): overlaps alice by 10 of the shorter 20 (half: same
    place) and bob's [2,18) by 8 of 16 (half: same place)."""
    spans = [
        span(1, "alice", 0, 20, "fact"),
        span(2, "bob", 2, 16, "opinion"),
        span(3, "bob", 50, 10, "fact"),
        span(4, "carol", 10, 30, "fact"),
    ]
    figures = measures.article_agreement("x" * 100, spans, TAGS)
    seen = {(c.span.id, c.other): c.match and c.match.id for c in figures.comparisons}
    assert seen == {
        (1, "bob"): 2, (1, "carol"): 4,
        (2, "alice"): 1, (2, "carol"): 4,
        (3, "alice"): None, (3, "carol"): None,
        (4, "alice"): 1, (4, "bob"): 2,
    }  # fmt: skip
    # Rows fact, opinion, speculation; columns the same and "no tag".
    # Fact: 1~carol and 4~alice agree, 1~bob and 4~bob say Opinion, 3 nobody tagged.
    assert figures.confusion == [[2, 2, 0, 2], [2, 0, 0, 0], [0, 0, 0, 0]]
    # alice-bob: 1~2 seen from both sides is one; bob's 3 untouched by alice is another.
    assert figures.pair_disagreements == {
        ("alice", "bob"): 2, ("alice", "carol"): 0, ("bob", "carol"): 2,
    }  # fmt: skip
    assert figures.tag_mix == {
        "alice": {"fact": 1, "opinion": 0, "speculation": 0},
        "bob": {"fact": 1, "opinion": 1, "speculation": 0},
        "carol": {"fact": 1, "opinion": 0, "speculation": 0},
    }


def test_a_small_overlap_is_not_the_same_place():
    spans = [span(1, "alice", 0, 20), span(2, "bob", 15, 20, "opinion")]  # 5 of 20
    figures = measures.article_agreement("y" * 50, spans, TAGS)
    assert all(c.match is None for c in figures.comparisons)


# Edge cases: never NaN ----------------------------------------------------------------------------


def _numbers(figures: measures.Agreement):
    found = [figures.unitized, figures.alpha, figures.mean_kappa]
    found += [*figures.unitized_by_tag.values(), *figures.kappa.values()]
    return found


@pytest.mark.parametrize(
    ("case", "text", "spans", "reasons"),
    [
        ("nobody", "Some words here.", [], {measures.NEEDS_TWO}),
        ("empty article", "", [], {measures.NEEDS_TWO, measures.NO_WORDS}),
        ("one annotator", "Some words here.", [span(1, "a", 0, 4)], {measures.NEEDS_TWO}),
        (
            "all the same tag everywhere",
            "Some words",
            [span(1, "a", 0, 10), span(2, "b", 0, 10)],
            {measures.NO_VARIATION, measures.UNUSED_TAG},
        ),
        ("no words", "... !!", [span(1, "a", 0, 3), span(2, "b", 4, 2)], {measures.NO_WORDS}),
    ],
)
def test_edge_cases_give_a_reason_instead_of_a_number(case, text, spans, reasons):
    figures = measures.article_agreement(text, spans, TAGS)
    missing = {f.reason for f in _numbers(figures) if f.value is None}
    assert missing and missing <= reasons | {measures.UNUSED_TAG}, (case, missing)
    assert figures.alpha.value is None


def test_all_the_same_tag_on_the_same_words_is_perfect_spans_but_no_word_variation():
    figures = measures.article_agreement(
        "Some words", [span(1, "a", 0, 10), span(2, "b", 0, 10)], TAGS
    )
    assert figures.unitized.value == 1.0
    assert figures.alpha == measures.Figure(None, measures.NO_VARIATION)
    assert figures.kappa[("a", "b")] == measures.Figure(None, measures.NO_VARIATION)


def test_no_overlap_between_two_annotators_is_a_number():
    figures = measures.article_agreement(
        "one two three four five six",
        [span(1, "a", 0, 3, "fact"), span(2, "b", 14, 4, "opinion")],
        TAGS,
    )
    assert figures.unitized.value < 0 and figures.kappa[("a", "b")].value < 0.5
    assert figures.pair_disagreements[("a", "b")] == 2


def test_random_small_articles_never_give_nan():
    rng = random.Random(9)
    for _ in range(200):
        text = " ".join("w" * rng.randint(1, 4) for _ in range(rng.randint(0, 12)))
        spans = []
        for pk in range(rng.randint(0, 8)):
            if len(text) < 2:
                break
            start = rng.randrange(0, len(text) - 1)
            end = rng.randint(start + 1, len(text))
            spans.append(Span(pk, rng.choice("ab c"), start, end, rng.choice(TAGS)))
        figures = measures.article_agreement(text, spans, TAGS)
        for figure in _numbers(figures):
            assert figure.value is None or math.isfinite(figure.value), (text, spans)
            assert (figure.value is None) == bool(figure.reason)
        json.dumps([f.value for f in _numbers(figures)], allow_nan=False)


def test_pooling_leaves_out_the_articles_a_person_did_not_annotate():
    one = ("alpha beta gamma", [span(1, "a", 0, 5), span(2, "b", 0, 5)])
    two = ("delta epsilon", [span(3, "a", 0, 5, "opinion"), span(4, "c", 6, 7, "opinion")])
    pooled = measures.pooled_agreement([one, two], TAGS)
    assert pooled.annotators == ["a", "b", "c"]
    assert pooled.kappa_words == {("a", "b"): 3, ("a", "c"): 2, ("b", "c"): 0}
    assert pooled.kappa[("b", "c")] == measures.Figure(None, measures.NO_SHARED_WORDS)
    assert pooled.kappa[("a", "b")].value == 1.0
    assert pooled.unitized.value is None and "per article" in pooled.unitized.reason
    values = np.array([[1, 0, 0, 2, 0], [1, 0, 0, -1, -1], [-1, -1, -1, 0, 2]], float)
    values[values < 0] = np.nan
    expected = krippendorff.alpha(
        reliability_data=values, level_of_measurement="nominal", value_domain=range(4)
    )
    assert pooled.alpha.value == pytest.approx(expected)


def test_the_match_table_equals_a_brute_force_search():
    """The vectorised pairing against the plain definition, on random overlapping data."""
    rng = random.Random(21)
    for _ in range(40):
        spans = []
        for pk in range(rng.randint(0, 40)):
            start = rng.randrange(0, 200)
            spans.append(
                Span(pk + 1, rng.choice("abcd"), start, start + rng.randint(1, 40), "fact")
            )
        annotators = sorted({s.annotator for s in spans})
        expected = {}
        for s in spans:
            for other in annotators:
                if other == s.annotator:
                    continue
                candidates = []
                for o in spans:
                    overlap = min(s.end, o.end) - max(s.start, o.start)
                    shorter = min(s.end - s.start, o.end - o.start)
                    if o.annotator == other and overlap > 0 and overlap >= 0.5 * shorter:
                        distance = abs(s.start - o.start) + abs(s.end - o.end)
                        candidates.append(((-overlap, distance, o.id), o.id))
                expected[(s.id, other)] = min(candidates)[1] if candidates else None
        found = {
            (c.span.id, c.other): c.match and c.match.id
            for c in measures.comparisons(spans, annotators)
        }
        assert found == expected


def _sections(length, units):
    """A coder's continuum as (begin, length, is_unit) sections: units and the gaps."""
    sections, position = [], 0
    for start, end in units:
        if start > position:
            sections.append((position, start - position, False))
        sections.append((start, end - start, True))
        position = end
    if position < length:
        sections.append((position, length - position, False))
    return sections


def _delta(g, h):
    """Krippendorff's δ² of two overlapping sections, word for word from the definition."""
    (bg, lg, ug), (bh, lh, uh) = g, h
    if ug and uh and -lg < bg - bh < lh:
        return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
    if ug and not uh and lh - lg >= bg - bh >= 0:
        return lg**2
    if not ug and uh and lg - lh >= bh - bg >= 0:
        return lh**2
    return 0


def _reference_disagreements(length, units_by_coder, coders):
    """Do and De by the plain definition: every pair of coders, every pair of their
    overlapping sections; every unit against every gap, one by one."""
    m = len(coders)
    sections = {c: _sections(length, units_by_coder.get(c, [])) for c in coders}
    observed = 0
    for i in coders:
        for j in coders:
            if i == j:
                continue
            for g in sections[i]:
                for h in sections[j]:
                    if g[0] < h[0] + h[1] and h[0] < g[0] + g[1]:
                        observed += _delta(g, h)
    units = [sec[1] for c in coders for sec in sections[c] if sec[2]]
    gaps = [sec[1] for c in coders for sec in sections[c] if not sec[2]]
    n = len(units)
    total = sum(
        (n - 1) * (2 * u**3 - 3 * u**2 + u) / 3 + u * u * sum(g - u + 1 for g in gaps if g >= u)
        for u in units
    )
    denominator = m * length * (m * length - 1) - sum(u * (u - 1) for u in units)
    return observed / (m * (m - 1) * length**2), 2 / length * total / denominator


def test_unitized_alpha_equals_the_plain_definition_on_random_data():
    rng = random.Random(33)
    for _ in range(60):
        length = rng.randint(5, 120)
        coders = [f"c{k}" for k in range(rng.randint(2, 5))]
        units = {}
        for c in coders:
            cuts = sorted(rng.sample(range(length + 1), min(length + 1, 2 * rng.randint(0, 4))))
            cuts = cuts[: len(cuts) // 2 * 2]
            units[c] = [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts), 2)]
        if not any(units.values()):
            continue
        observed, expected, _ = measures._category_disagreements(length, units, coders)
        reference = _reference_disagreements(length, units, coders)
        assert (observed, expected) == (pytest.approx(reference[0]), pytest.approx(reference[1]))
