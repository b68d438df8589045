"""The corpus of realistic edits (tests/revision_corpus.py), revised through the service
on the seed article with its demo annotations and on a longer article: each annotation
lands exactly, moves with a flag or is orphaned as written below, and none lands wrong."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from annotator import services
from annotator.models import Annotation
from articles import services as article_services
from tests import factories, revision_corpus

# (exact, moved, orphaned) for each edit; no wrong anchors anywhere.
EXPECTED = {
    ("seed", "typo fixed"): (9, 1, 0),
    ("seed", "paragraph inserted at the top"): (10, 0, 0),
    ("seed", "sentence deleted"): (9, 0, 1),
    ("seed", "paragraph moved"): (10, 0, 0),
    ("seed", "quote inside a tagged span reworded"): (9, 1, 0),
    ("seed", "whole section deleted"): (7, 0, 3),
    ("long", "typo fixed"): (29, 1, 0),
    ("long", "paragraph inserted at the top"): (30, 0, 0),
    ("long", "sentence deleted"): (29, 0, 1),
    ("long", "paragraph moved"): (30, 0, 0),
    ("long", "quote inside a tagged span reworded"): (28, 2, 0),
    ("long", "whole section deleted"): (25, 0, 5),
    # Beyond the six the issue names:
    ("long", "paragraph moved and edited"): (28, 1, 1),
    ("long", "paragraph rewritten"): (28, 0, 2),
    ("long", "several figures corrected"): (27, 3, 0),
}


@pytest.mark.parametrize("article_key, edit", list(EXPECTED))
def test_each_edit_carries_every_annotation_as_expected(db, tags, article_key, edit):
    load, make_cases = revision_corpus.ARTICLES[article_key]
    title, text, notes = load()
    users = {name: factories.make_user(name) for name in ("alice", "bob", "carol")}
    editor = factories.make_user("editor", is_staff=True)
    article = article_services.article_create(title=title, text=text, created_by=editor)
    before = {}
    for note in notes:
        made = factories.annotate(article, users[note["author"]], note["phrase"], note["tag"])
        before[made.pk] = (made.start, made.end, made.quote)
    case = next(c for c in make_cases(text) if c.name == edit)
    new_text = revision_corpus.apply(text, case.splices)

    plan = services.article_revise(article=article, actor=editor, text=new_text, reason=edit)

    outcomes = {
        a.pk: revision_corpus.outcome_of(a, before[a.pk], case, new_text)
        for a in Annotation.objects.filter(pk__in=before)
    }
    wrong = {before[pk][2]: why for pk, why in outcomes.items() if why.startswith("wrong")}
    assert wrong == {}
    counts = Counter(outcomes.values())
    assert (counts["exact"], counts["moved"], counts["orphaned"]) == EXPECTED[article_key, edit]
    assert tuple(plan.counts.values()) == EXPECTED[article_key, edit]


def test_the_corpus_oracle_places_untouched_spans_independently():
    # The oracle that judges the algorithm must itself be right: check it on every
    # untouched annotation by slicing, without the code under test.
    for load, make_cases in revision_corpus.ARTICLES.values():
        _, text, notes = load()
        for case in make_cases(text):
            new_text = revision_corpus.apply(text, case.splices)
            for note in notes:
                start = text.index(note["phrase"])
                span = revision_corpus.expected_span(
                    case.splices, start, start + len(note["phrase"])
                )
                if span is not None:
                    assert new_text[span[0] : span[1]] == note["phrase"], (case.name, note)
                else:
                    assert note["phrase"] in case.expect, (case.name, note["phrase"])


def test_demo_users_are_not_needed_by_the_corpus(db):
    # The corpus makes its own people; it never depends on setup_demo having run.
    assert not get_user_model().objects.exists()
