"""The change feed: what each write records, in its transaction, and what a reader
that reconnects gets back."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from annotator import events, formats, live, services
from annotator.models import Annotation, Event
from tests import factories


def _kinds():
    return list(Event.objects.order_by("id").values_list("kind", flat=True))


def test_annotation_writes_record_their_changes_with_what_a_reader_needs(article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion", note="loaded")
    created = Event.objects.get()
    assert (created.kind, created.article_id, created.object_id, created.actor) == (
        "annotation.created",
        article.pk,
        a.pk,
        alice,
    )
    assert created.payload == {
        "id": a.pk, "start": a.start, "end": a.end, "tag": "opinion", "author": "alice",
        "note": "loaded", "quote": "shameful waste", "version": 1, "status": "pending",
        "comments": 0, "created": a.created.isoformat(), "modified": a.modified.isoformat(),
        "deleted": False, "anchor": "exact",
    }  # fmt: skip
    services.annotation_update(annotation=a, actor=alice, version=1, tag="fact")
    services.annotation_delete(annotation=a, actor=alice, version=2)
    services.annotation_restore(annotation=a, actor=alice, version=3)
    assert _kinds() == [
        "annotation.created",
        "annotation.changed",
        "annotation.deleted",
        "annotation.restored",
    ]
    changed, deleted, restored = Event.objects.order_by("id")[1:]
    assert (changed.payload["tag"], changed.payload["was_tag"], changed.payload["version"]) == (
        "fact",
        "opinion",
        2,
    )
    assert deleted.payload["deleted"] is True and restored.payload["deleted"] is False
    assert restored.payload["version"] == 4


def test_comments_and_verdicts_carry_counts_and_status_before_and_after(article, alice, bob, carol):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    first = services.comment_create(annotation=a, author=bob, body="Why? @alice")
    services.comment_create(annotation=a, author=carol, body="Agreed")
    services.comment_delete(comment=first, actor=bob)
    comments = Event.objects.filter(kind__startswith="comment.").order_by("id")
    assert [(e.kind, e.payload["comments"]) for e in comments] == [
        ("comment.created", 1),
        ("comment.created", 2),
        ("comment.deleted", 1),
    ]
    # The mention changes Alice's unread count: an event for her alone.
    badge = Event.objects.get(kind="badge.changed")
    assert (badge.recipient, badge.article_id) == (alice, None)

    services.review_set(annotation=a, reviewer=bob, verdict="agree")
    services.review_set(annotation=a, reviewer=carol, verdict="disagree", proposed_tag="fact")
    services.review_set(annotation=a, reviewer=bob, verdict="disagree")
    reviews = Event.objects.filter(kind__startswith="review.").order_by("id")
    assert [
        (e.kind, e.payload["reviewer"], e.payload["was_verdict"], e.payload["verdict"],
         e.payload["was_status"], e.payload["status"])
        for e in reviews
    ] == [
        ("review.created", "bob", None, "agree", "pending", "accepted"),
        ("review.created", "carol", None, "disagree", "accepted", "disputed"),
        ("review.changed", "bob", "agree", "disagree", "disputed", "disputed"),
    ]  # fmt: skip


def test_a_refused_write_records_no_event(article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    with pytest.raises(services.StaleVersion):
        services.annotation_update(annotation=a, actor=alice, version=7, note="x")
    with pytest.raises(ValidationError):
        services.comment_create(annotation=a, author=bob, body="  ")
    assert _kinds() == ["annotation.created"]


def test_an_import_sends_one_article_changed_event_not_one_per_row(article, alice):
    lines = "\n".join(
        json.dumps({"text": article.text, "label": [[start, start + 4, "fact"]]})
        for start in (0, 10, 20)
    )
    result = formats.import_records(formats.parse("doccano", lines), actor=alice)
    assert result.created == 3
    event = Event.objects.get()
    assert (event.kind, event.article_id, event.payload) == (
        "article.changed",
        article.pk,
        {"reason": "import"},
    )


def test_the_same_persons_identical_tag_within_the_window_is_one_annotation(article, alice):
    first = factories.annotate(article, alice, "shameful waste", "opinion")
    again = factories.annotate(article, alice, "shameful waste", "opinion")
    assert again.pk == first.pk and again.replayed
    other_tag = factories.annotate(article, alice, "shameful waste", "fact")
    assert other_tag.pk != first.pk
    assert Annotation.objects.count() == 2 and _kinds().count("annotation.created") == 2


def test_an_idempotency_key_returns_what_it_made_and_refuses_another_use(article, alice):
    start = article.text.index("Traffic")
    made = services.annotation_create(
        article=article, author=alice, start=start, end=start + 7, tag="fact",
        idempotency_key="k-1",
    )  # fmt: skip
    Annotation.objects.filter(pk=made.pk).update(created=made.created.replace(year=2020))
    again = services.annotation_create(
        article=article, author=alice, start=start, end=start + 7, tag="fact",
        idempotency_key="k-1",
    )  # fmt: skip
    assert again.pk == made.pk and again.replayed
    with pytest.raises(ValidationError) as refused:
        services.annotation_create(
            article=article, author=alice, start=0, end=9, tag="fact", idempotency_key="k-1"
        )
    assert refused.value.code == "idempotency_key_reused"
    for bad in ["", "x" * 65, "has space", "é"]:
        with pytest.raises(ValidationError, match="Idempotency-Key must be"):
            services.annotation_create(
                article=article, author=alice, start=0, end=9, tag="fact", idempotency_key=bad
            )
    assert Annotation.objects.count() == 1


def test_someone_elses_identical_tag_is_refused_with_a_way_to_agree(article, alice, bob):
    theirs = factories.annotate(article, bob, "shameful waste", "opinion")
    start = article.text.index("shameful waste")
    with pytest.raises(services.AlreadyTagged) as refused:
        services.annotation_create(
            article=article, author=alice, start=start, end=start + 14, tag="opinion"
        )
    assert refused.value.existing == theirs
    assert "bob already tagged this passage Opinion. Agree with theirs" in refused.value.messages[0]
    assert factories.annotate(article, alice, "shameful waste", "fact").author == alice


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "merged", "conflicts"),
    [
        # Only I changed the note: mine goes on top of their tag.
        ({"tag": "fact", "note": ""}, {"tag": "fact", "note": "n"},
         {"tag": "opinion", "note": ""}, {"tag": "opinion", "note": "n"}, {}),
        # Only they changed anything: theirs stays whole.
        ({"tag": "fact", "note": "a"}, {"tag": "fact", "note": "a"},
         {"tag": "opinion", "note": "b"}, {"tag": "opinion", "note": "b"}, {}),
        # We made the same change: no conflict.
        ({"tag": "fact", "note": ""}, {"tag": "opinion", "note": ""},
         {"tag": "opinion", "note": ""}, {"tag": "opinion", "note": ""}, {}),
        # Both changed the tag differently: a conflict, mine until I choose.
        ({"tag": "fact", "note": ""}, {"tag": "opinion", "note": "x"},
         {"tag": "speculation", "note": ""}, {"tag": "opinion", "note": "x"},
         {"tag": ("opinion", "speculation")}),
    ],
)  # fmt: skip
def test_merge_edit_applies_only_the_fields_i_changed(base, mine, theirs, merged, conflicts):
    assert services.merge_edit(base=base, mine=mine, theirs=theirs) == (merged, conflicts)


def test_the_version_an_edit_started_from_is_read_from_history(article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion", note="first")
    services.annotation_update(annotation=a, actor=alice, version=1, tag="fact", note="second")
    assert services.annotation_at_version(a, 1) == {"tag": "opinion", "note": "first"}
    assert services.annotation_at_version(a, 2) == {"tag": "fact", "note": "second"}
    assert services.annotation_at_version(a, 9) is None


@pytest.mark.django_db(transaction=True)
def test_a_reader_resumes_from_the_last_event_it_saw(tags, alice):
    article = factories.make_article(created_by=alice)
    other = factories.make_article(created_by=alice, title="Other")
    made = factories.annotate_many(article, alice, 3)
    factories.annotate(other, alice, "shameful", "opinion")
    ids = list(Event.objects.filter(article=article).order_by("id").values_list("id", flat=True))
    backlog = live.catch_up(article.pk, ids[0])
    assert [e.id for e in backlog] == ids[1:]
    assert all(e.article_id == article.pk for e in backlog)
    frame = backlog[-1].frame.decode()
    assert frame.startswith(f"id: {ids[-1]}\ndata: ") and frame.endswith("\n\n")
    assert f'"id": {made[-1].pk}' in frame and '"kind": "annotation.created"' in frame
    assert live.catch_up(article.pk, ids[-1]) == []


@pytest.mark.django_db(transaction=True)
def test_a_reader_too_far_behind_or_behind_a_prune_is_told_to_reload(tags, alice, monkeypatch):
    article = factories.make_article(created_by=alice)
    factories.annotate_many(article, alice, 4)
    first = Event.objects.order_by("id").first().pk
    monkeypatch.setattr(live, "CATCH_UP_LIMIT", 2)
    assert live.catch_up(article.pk, first - 1) is None
    monkeypatch.setattr(live, "CATCH_UP_LIMIT", 500)
    month_ago = timezone.now() - timedelta(days=30)
    Event.objects.filter(id__lt=first + 2).update(created=month_ago)
    assert events.prune(keep_days=7) == 2
    assert live.catch_up(article.pk, first) is None  # what it missed is gone
    assert len(live.catch_up(article.pk, first + 1)) == 2
