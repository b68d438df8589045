"""annotator.anchoring: carrying anchors from one text to its next revision (no database)."""

import pytest

from annotator.anchoring import (
    EXACT,
    MOVED,
    ORPHANED,
    QUOTE_MIN,
    Anchor,
    TextChange,
    find_exact,
    similarity,
)

OLD = (
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful waste of money.\n\n"
    "Traffic will probably double next year."
)


def anchor(text: str, phrase: str, occurrence: int = 0) -> Anchor:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    end = start + len(phrase)
    return Anchor(start, end, phrase, text[max(0, start - 32) : start], text[end : end + 32])


def place(old: str, new: str, phrase: str, occurrence: int = 0):
    return TextChange(old, new).place(anchor(old, phrase, occurrence))


def test_an_untouched_quote_moves_by_the_length_of_text_inserted_before_it():
    new = "Update, 3 May: the figures were corrected.\n\n" + OLD
    placed = place(OLD, new, "shameful waste")
    assert placed.anchor == EXACT
    assert new[placed.start : placed.end] == "shameful waste"
    assert placed.start == OLD.index("shameful waste") + len(new) - len(OLD)


def test_text_inserted_right_before_or_after_a_quote_is_not_taken_into_it():
    new = OLD.replace("shameful waste", "truly shameful waste, frankly,")
    placed = place(OLD, new, "shameful waste")
    assert (placed.anchor, new[placed.start : placed.end]) == (EXACT, "shameful waste")


def test_text_inserted_inside_a_quote_moves_it_with_its_new_words():
    new = OLD.replace("shameful waste", "shameful and costly waste")
    placed = place(OLD, new, "a shameful waste of money")
    assert placed.anchor == MOVED
    assert placed.quote == new[placed.start : placed.end] == "a shameful and costly waste of money"


def test_a_typo_fixed_inside_a_quote_moves_it():
    old = OLD.replace("probably", "probbably")
    placed = place(old, OLD, "Traffic will probbably double")
    assert (placed.anchor, placed.quote) == (MOVED, "Traffic will probably double")


def test_a_quote_whose_words_were_all_deleted_is_orphaned_with_its_old_offsets():
    new = OLD.replace("It is a shameful waste of money.\n\n", "")
    before = anchor(OLD, "a shameful waste of money")
    placed = TextChange(OLD, new).place(before)
    assert placed.anchor == ORPHANED
    assert (placed.start, placed.end, placed.quote) == (before.start, before.end, before.quote)


def test_a_changed_number_in_a_short_quote_is_not_taken_for_the_same_claim():
    new = OLD.replace("2019", "2021")
    assert place(OLD, new, "2019").anchor == ORPHANED


def test_a_moved_paragraph_carries_its_quotes_exactly():
    paragraphs = OLD.split("\n\n")
    new = "\n\n".join([paragraphs[2], paragraphs[0], paragraphs[1]])
    for phrase in ("Officials said the bridge opened in 2019", "shameful waste"):
        placed = place(OLD, new, phrase)
        assert (placed.anchor, new[placed.start : placed.end]) == (EXACT, phrase)
    placed = place(OLD, new, "Traffic will probably double next year.")
    assert new[placed.start : placed.end] == "Traffic will probably double next year."


def test_offsets_count_code_points_across_emoji():
    old = "Intro 🎉🎉 text.\n\nThe mayor 👍 resigned on Monday."
    new = "Intro 🎉🎉🎉 text, longer.\n\nThe mayor 👍 resigned on Monday."
    placed = place(old, new, "👍 resigned")
    assert (placed.anchor, new[placed.start : placed.end]) == (EXACT, "👍 resigned")


def test_a_quote_at_the_very_start_or_end_of_the_text_is_carried():
    new = "Officials said the bridge opened in 2019 and cost more.\n\nThe end."
    first = place(OLD, new, "Officials said")
    assert (first.anchor, first.start) == (EXACT, 0)
    old_end = place(OLD, OLD + " More to come.", "next year.")
    assert old_end.anchor == EXACT


def test_mapping_through_an_insertion_keeps_starts_after_and_ends_before_it():
    change = TextChange("abc def ghi", "abc NEW def ghi")
    at = "abc ".__len__()
    assert change.map_start(at) == len("abc NEW ")
    assert change.map_end(at) == len("abc ")


def test_a_rewritten_sentence_is_found_only_above_the_stated_similarity():
    old = "The council said the budget will rise by 4% next year, citing inflation."
    reworded = "The council said the budget would rise by 4% next year, citing inflation."
    unrecognisable = "Inflation aside, nobody on the council would commit to a figure."
    quote = "the budget will rise by 4% next year"
    moved = place(old, reworded, quote)
    assert moved.anchor == MOVED and moved.quote == "the budget would rise by 4% next year"
    assert similarity(quote, moved.quote) >= QUOTE_MIN
    assert place(old, unrecognisable, quote).anchor == ORPHANED


def test_an_annotation_on_a_deleted_repeat_does_not_jump_to_a_far_away_twin():
    paragraph = "This order gave rise to speculation about an invasion of the embassy."
    filler = " ".join(["Other reporting about unrelated matters continued at length."] * 20)
    old = f"{paragraph}\n\n{filler}\n\n{paragraph}\n\nEnd."
    new = f"{paragraph}\n\n{filler}\n\nEnd."
    placed = place(old, new, "speculation about an invasion", occurrence=1)
    assert placed.anchor == ORPHANED


@pytest.mark.parametrize(
    "needle_text, expected",
    [
        ("Before. It is a shameful waste of money. After.", (EXACT, "shameful waste")),
        ("shameful waste twice: shameful waste", None),
    ],
)
def test_an_orphan_comes_back_only_when_its_words_and_context_are_found_once(needle_text, expected):
    orphan = Anchor(500, 514, "shameful waste", "It is a ", " of money.")
    found = find_exact(needle_text, orphan)
    if expected is None:
        assert found is None
    else:
        assert (found.anchor, needle_text[found.start : found.end]) == expected


def test_a_large_deadline_bound_diff_still_never_places_a_quote_on_other_words():
    # Many scattered edits: whatever the diff finds, every exact or moved placement
    # holds its stated quote at its offsets.
    words = [f"w{i}" for i in range(3000)]
    old = " ".join(words)
    new = " ".join(w if i % 7 else w.upper() for i, w in enumerate(words))
    change = TextChange(old, new, timeout=0.05)
    for i in range(0, 3000, 37):
        phrase = " ".join(words[i : i + 5])
        placed = change.place(anchor(old, phrase))
        if placed.anchor != ORPHANED:
            assert new[placed.start : placed.end] == placed.quote
        if placed.anchor == EXACT:
            assert placed.quote == phrase
