"""services.article_revise and friends: revising an article carries its annotations."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator import services
from annotator.models import Annotation, Notification
from articles.models import TEXT_MAX_LENGTH, Article
from tests import factories

NEW_TEXT = (
    "Update: the ministry corrected its figures on Monday.\n\n"
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful and costly waste of money."
)


def curator(name="cora"):
    return factories.make_curator(factories.make_user(name))


def assert_never_silently_wrong(article: Article):
    article.refresh_from_db()
    for a in Annotation.objects.for_article(article):
        if a.anchor != "orphaned":
            assert article.text[a.start : a.end] == a.quote, a


@pytest.fixture
def annotated(article, alice, bob, carol):
    return {
        "bridge": factories.annotate(article, alice, "the bridge opened in 2019", "fact"),
        "waste": factories.annotate(article, bob, "a shameful waste of money", "opinion"),
        "traffic": factories.annotate(
            article, carol, "Traffic will probably double", "speculation"
        ),
    }


def test_a_revision_keeps_exact_moves_changed_and_orphans_gone_annotations(
    article, alice, annotated
):
    plan = services.article_revise(
        article=article, actor=alice, text=NEW_TEXT, reason="Figures corrected.", version=1
    )
    assert plan.counts == {"exact": 1, "moved": 1, "orphaned": 1}
    bridge, waste, traffic = (Annotation.objects.get(pk=a.pk) for a in annotated.values())
    assert (bridge.anchor, NEW_TEXT[bridge.start : bridge.end]) == ("exact", bridge.quote)
    # Shifted with its words untouched: same version, so edits based on it still apply.
    assert bridge.prefix.endswith("Officials said ") and bridge.version == 1
    assert (waste.version, traffic.version) == (2, 2)
    assert (waste.anchor, waste.quote) == ("moved", "a shameful and costly waste of money")
    assert (traffic.anchor, traffic.quote) == ("orphaned", "Traffic will probably double")
    assert (traffic.start, traffic.anchor_revision) == (annotated["traffic"].start, 1)
    article.refresh_from_db()
    assert (article.version, article.text, article.revision_reason) == (
        2, NEW_TEXT, "Figures corrected."
    )  # fmt: skip
    assert article.revised_at is not None
    assert_never_silently_wrong(article)


def test_each_carried_annotation_gets_a_revision_with_who_and_why(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT, reason="r")
    rows = {
        row.id: row
        for row in Annotation.history.filter(history_type="~").select_related("history_user")
    }
    assert {rows[a.pk].history_change_reason for a in annotated.values()} == {
        "carried across article revision 2",
        "moved with article revision 2",
        "orphaned by article revision 2",
    }
    assert {row.history_user.username for row in rows.values()} == {"alice"}
    old = Annotation.history.filter(id=annotated["waste"].pk, history_type="+").get()
    assert old.quote == "a shameful waste of money"  # the old quote stays in history
    revision = article.history.first()
    assert (revision.history_user, revision.version, revision.text) == (alice, 2, NEW_TEXT)
    assert revision.history_change_reason == "revised: 1 exact, 1 moved, 1 orphaned"


def test_authors_of_flagged_annotations_are_notified_once_per_revision(
    article, alice, bob, carol, annotated
):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    notes = {n.user.username: n for n in Notification.objects.select_related("user")}
    assert set(notes) == {"bob", "carol"}  # alice's annotation stayed exact
    assert "1 of your annotations needs checking (1 moved with the text)" in notes["bob"].text
    assert notes["carol"].article == article and not notes["carol"].is_read


def test_a_title_alone_changes_no_annotation(article, alice, annotated):
    plan = services.article_revise(article=article, actor=alice, title="  The New Bridge ")
    assert plan.counts == {"exact": 3, "moved": 0, "orphaned": 0}
    article.refresh_from_db()
    assert (article.title, article.version) == ("The New Bridge", 2)
    assert Annotation.history.filter(history_type="~").count() == 0
    assert article.history.first().history_change_reason == "revised the title"


@pytest.mark.parametrize(
    "who, allowed",
    [("alice", True), ("curator", True), ("admin", True), ("bob", False), ("nobody", False)],
)
def test_the_creator_a_curator_or_an_admin_may_revise(article, alice, bob, who, allowed):
    actor = {
        "alice": alice,
        "bob": bob,
        "curator": curator(),
        "admin": factories.make_user("root", is_staff=True),
        "nobody": factories.make_user("nobody"),
    }[who]
    assert article.is_revisable_by(actor) is allowed
    if allowed:
        services.article_revise(article=article, actor=actor, text=NEW_TEXT)
        article.refresh_from_db()
        assert article.version == 2
    else:
        with pytest.raises(PermissionDenied, match="creator|added this article"):
            services.article_revise(article=article, actor=actor, text=NEW_TEXT)
        article.refresh_from_db()
        assert (article.version, article.history.count()) == (1, 1)


def nothing_written(article, annotated):
    article.refresh_from_db()
    assert (article.version, article.text, article.history.count()) == (
        1, factories.SAMPLE_TEXT, 1
    )  # fmt: skip
    assert Annotation.history.filter(history_type="~").count() == 0
    assert not Notification.objects.exists()
    for a in annotated.values():
        assert Annotation.objects.get(pk=a.pk).start == a.start


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"text": ""}, "An article needs some text."),
        ({"text": " \n\t "}, "An article needs some text."),
        ({"text": "x" * (TEXT_MAX_LENGTH + 1)}, "longer than 500,000 characters"),
        ({"text": factories.SAMPLE_TEXT}, "nothing to save"),
        ({"title": "The Bridge"}, "nothing to save"),
        ({"title": "  "}, "An article needs a title."),
        ({"title": "t" * 301}, "the limit is 300"),
        ({"text": NEW_TEXT, "reason": "r" * 2001}, "the limit is 2,000"),
        ({"text": 12}, "The text must be text."),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_nothing_is_written(
    article, alice, annotated, changes, message
):
    with pytest.raises(ValidationError, match=message):
        services.article_revise(article=article, actor=alice, **changes)
    nothing_written(article, annotated)


def test_a_revision_based_on_an_old_version_is_stale(article, alice, bob, annotated):
    services.article_revise(article=article, actor=alice, title="Meanwhile")
    with pytest.raises(services.StaleArticle, match="changed by alice meanwhile"):
        services.article_revise(article=article, actor=alice, text=NEW_TEXT, version=1)
    article.refresh_from_db()
    assert (article.version, article.text) == (2, factories.SAMPLE_TEXT)


def test_deleted_annotations_are_left_as_they_were(article, alice, bob, annotated):
    services.annotation_delete(annotation=annotated["waste"], actor=bob)
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    waste = Annotation.objects.get(pk=annotated["waste"].pk)
    assert (waste.anchor, waste.quote, waste.start) == (
        "exact", "a shameful waste of money", annotated["waste"].start
    )  # fmt: skip


def test_a_moved_annotation_stays_to_check_through_later_revisions(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    services.article_revise(article=article, actor=alice, text="Preface.\n\n" + NEW_TEXT)
    waste = Annotation.objects.get(pk=annotated["waste"].pk)
    assert waste.anchor == "moved"
    assert_never_silently_wrong(article)


def test_an_orphan_comes_back_when_a_later_revision_restores_its_words(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    services.article_revise(
        article=article, actor=alice, text=factories.SAMPLE_TEXT, reason="Undo the cut"
    )
    traffic = Annotation.objects.get(pk=annotated["traffic"].pk)
    assert (traffic.anchor, traffic.anchor_revision) == ("exact", None)
    article.refresh_from_db()
    assert article.text[traffic.start : traffic.end] == "Traffic will probably double"


def test_the_preview_says_what_would_happen_and_writes_nothing(article, alice, annotated):
    plan = services.article_revision_preview(article=article, actor=alice, text=NEW_TEXT)
    assert plan.counts == {"exact": 1, "moved": 1, "orphaned": 1}
    assert [c.anchor for c in plan.flagged] == ["moved", "orphaned"]
    assert plan.flagged[0].old_quote == "a shameful waste of money"
    nothing_written(article, annotated)


def test_revising_takes_the_same_number_of_queries_for_few_or_many_annotations(article, alice, bob):
    def revise_counting(text):
        with CaptureQueriesContext(connection) as queries:
            services.article_revise(article=article, actor=alice, text=text)
        return len(queries)

    for i in range(3):
        factories.annotate(article, bob, "shameful", "opinion", note=f"n{i}")
    few = revise_counting("A.\n\n" + factories.SAMPLE_TEXT)
    for i in range(40):
        factories.annotate(article, bob, "bridge", "fact", note=f"m{i}")
    many = revise_counting("B.\n\n" + factories.SAMPLE_TEXT)
    assert few == many


# Creating against an earlier revision ------------------------------------------------------


def test_a_create_naming_an_old_revision_is_carried_across(article, alice, bob):
    old_text = article.text
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    start = old_text.index("Officials said")
    made = services.annotation_create(
        article=article, author=bob, start=start, end=start + 14, tag="fact",
        quote="Officials said", revision=1,
    )  # fmt: skip
    assert (made.anchor, NEW_TEXT[made.start : made.end]) == ("exact", "Officials said")
    gone = old_text.index("Traffic")
    orphan = services.annotation_create(
        article=article, author=bob, start=gone, end=gone + 7, tag="fact", revision=1
    )
    assert (orphan.anchor, orphan.anchor_revision, orphan.quote) == ("orphaned", 1, "Traffic")


def test_a_create_with_old_offsets_and_no_revision_is_refused(article, alice, bob):
    old_text = article.text
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    start = old_text.index("Officials said")
    with pytest.raises(ValidationError, match="does not match the article"):
        services.annotation_create(
            article=article, author=bob, start=start, end=start + 14, tag="fact",
            quote="Officials said",
        )  # fmt: skip


@pytest.mark.parametrize("revision, message", [(7, "has no revision 7"), (0, "whole number")])
def test_a_create_naming_a_revision_that_does_not_exist_is_refused(article, bob, revision, message):
    with pytest.raises(ValidationError, match=message):
        services.annotation_create(
            article=article, author=bob, start=0, end=9, tag="fact", revision=revision
        )


# Resolving anchors to check ---------------------------------------------------------------


@pytest.fixture
def flagged(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    return {k: Annotation.objects.get(pk=a.pk) for k, a in annotated.items()}


def test_the_author_selects_an_orphans_span_again(article, carol, flagged):
    orphan = flagged["traffic"]
    start = NEW_TEXT.index("costly waste")
    updated = services.annotation_update(
        annotation=orphan, actor=carol, start=start, end=start + 12, quote="costly waste",
        version=orphan.version,
    )  # fmt: skip
    assert (updated.anchor, updated.anchor_revision, updated.quote) == (
        "exact", None, "costly waste"
    )  # fmt: skip
    assert updated.history.first().history_change_reason == "span selected again"


def test_confirming_a_moved_annotation_makes_it_exact(article, bob, flagged):
    moved = flagged["waste"]
    updated = services.annotation_update(
        annotation=moved, actor=bob, start=moved.start, end=moved.end, quote=moved.quote,
        version=moved.version,
    )  # fmt: skip
    assert (updated.anchor, updated.quote) == ("exact", moved.quote)
    assert updated.history.first().history_change_reason == "anchor checked"


def test_a_curator_may_resolve_anyones_flagged_annotation_but_not_retag_it(article, flagged):
    cora = curator()
    moved = flagged["waste"]
    services.annotation_update(
        annotation=moved, actor=cora, start=moved.start, end=moved.end, quote=moved.quote
    )
    with pytest.raises(PermissionDenied):
        services.annotation_update(annotation=flagged["traffic"], actor=cora, tag="fact")
    services.annotation_delete(annotation=flagged["traffic"], actor=cora)
    assert Annotation.objects.get(pk=flagged["traffic"].pk).is_deleted


def test_a_curator_cannot_move_or_delete_someones_exact_annotation(article, flagged):
    cora = curator()
    exact = flagged["bridge"]
    with pytest.raises(PermissionDenied):
        services.annotation_update(annotation=exact, actor=cora, start=0, end=6)
    with pytest.raises(PermissionDenied):
        services.annotation_delete(annotation=exact, actor=cora)


def test_another_editor_cannot_resolve_someone_elses_anchor(article, bob, flagged):
    orphan = flagged["traffic"]
    with pytest.raises(PermissionDenied):
        services.annotation_update(annotation=orphan, actor=bob, start=0, end=6)
    with pytest.raises(PermissionDenied):
        services.annotation_delete(annotation=orphan, actor=bob)


def test_selecting_again_checks_the_span_against_the_current_text(article, carol, flagged):
    orphan = flagged["traffic"]
    with pytest.raises(ValidationError, match="does not match"):
        services.annotation_update(annotation=orphan, actor=carol, start=0, end=7, quote="Traffic")
    with pytest.raises(ValidationError, match="both start and end"):
        services.annotation_update(annotation=orphan, actor=carol, start=0)
    with pytest.raises(ValidationError, match="Send the quote"):
        services.annotation_update(annotation=orphan, actor=carol, start=0, end=7)
    assert Annotation.objects.get(pk=orphan.pk).anchor == "orphaned"


def test_each_history_row_mirrors_the_row_as_written_at_the_revisions_moment(
    article, alice, bob, annotated
):
    # Shifted, rewritten (context or words) and orphaned annotations are written in
    # different ways; every one's latest history row must equal the row itself.
    near = factories.annotate(article, bob, "Officials said", "fact")  # context changes
    services.article_revise(article=article, actor=alice, text=NEW_TEXT, reason="r")
    revision = article.history.first()
    fields = ["start", "end", "quote", "prefix", "suffix", "anchor", "anchor_revision",
              "version", "tag_id", "note", "author_id", "deleted_at"]  # fmt: skip
    for annotation in Annotation.objects.filter(
        pk__in=[*(a.pk for a in annotated.values()), near.pk]
    ):
        row = annotation.history.first()
        assert [getattr(row, f) for f in fields] == [getattr(annotation, f) for f in fields]
        assert (row.history_type, row.history_user, row.history_date) == (
            "~", alice, revision.history_date
        )  # fmt: skip


# Verdicts across revisions (issue 12's claim versions) ------------------------------------


def test_verdicts_follow_the_words_not_the_offsets(article, alice, bob, carol, annotated):
    for a in (annotated["bridge"], annotated["waste"]):
        services.review_set(annotation=a, reviewer=carol, verdict="agree")
    services.review_set(annotation=annotated["traffic"], reviewer=alice, verdict="agree")
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    statuses = {
        a.pk: (a.anchor, a.claim_version, a.status)
        for a in Annotation.objects.with_status().filter(pk__in=[x.pk for x in annotated.values()])
    }
    # Same words at other offsets: still accepted. New words: a new claim, pending again.
    assert statuses[annotated["bridge"].pk] == ("exact", 1, "accepted")
    assert statuses[annotated["waste"].pk] == ("moved", 2, "pending")
    # An orphan keeps its claim until its words are selected again.
    assert statuses[annotated["traffic"].pk] == ("orphaned", 1, "accepted")
    orphan = Annotation.objects.get(pk=annotated["traffic"].pk)
    start = NEW_TEXT.index("costly waste")
    services.annotation_update(
        annotation=orphan, actor=carol, start=start, end=start + 12, quote="costly waste"
    )
    again = Annotation.objects.with_status().get(pk=orphan.pk)
    assert (again.claim_version, again.status) == (2, "pending")


def test_a_settlement_of_words_that_changed_no_longer_counts(article, alice, bob, carol, annotated):
    waste = annotated["waste"]
    services.review_set(annotation=waste, reviewer=carol, verdict="disagree", proposed_tag="fact")
    curator = factories.make_curator(factories.make_user("cora"))
    services.annotation_settle(annotation=waste, actor=curator, tag="fact", reason="Checkable.")
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    waste = Annotation.objects.with_status().get(pk=waste.pk)
    assert (waste.anchor, waste.is_settled, waste.has_outdated_settlement) == ("moved", False, True)
    assert waste.status == "pending"
