"""Verdicts belong to the version of the claim they judged: a change of tag (or span)
outdates them, adopting a proposal turns it into agreement, and the status is derived
from current verdicts only."""

import importlib

import pytest
from django.apps import apps

from annotator import services
from annotator.models import Annotation, Review
from tests import factories


@pytest.fixture
def fact(article, alice):
    return factories.annotate(article, alice, "opened in 2019", "fact")


def _status(annotation) -> str:
    return Annotation.objects.with_status().get(pk=annotation.pk).status


def _queue(user) -> list[int]:
    return list(Annotation.objects.needs_review_by(user).values_list("pk", flat=True))


def test_changing_the_tag_outdates_an_agreement(fact, alice, bob):
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    assert _status(fact) == "accepted"
    assert _queue(bob) == []

    services.annotation_update(annotation=fact, actor=alice, tag="speculation")
    fact.refresh_from_db()
    assert (fact.claim_version, fact.version) == (2, 2)
    assert _status(fact) == "pending"
    review = Review.objects.get()
    assert (review.verdict, review.claim_version, review.judged_tag.key) == ("agree", 1, "fact")
    assert not review.is_current
    # Back in Bob's queue, marked as changed since his verdict.
    queued = Annotation.objects.needs_review_by(bob).get()
    assert queued.pk == fact.pk and queued.is_changed_since_my_verdict
    assert not Annotation.objects.filter_status("accepted").exists()
    assert list(Annotation.objects.filter_status("pending")) == [fact]


def test_changing_the_note_keeps_the_verdicts(fact, alice, bob):
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=fact, actor=alice, note="Council minutes.")
    fact.refresh_from_db()
    assert (fact.version, fact.claim_version) == (2, 1)
    assert _status(fact) == "accepted" and Review.objects.get().is_current


def test_giving_the_verdict_again_judges_the_new_version(fact, alice, bob):
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=fact, actor=alice, tag="speculation")
    review, created = services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    assert not created
    assert (review.claim_version, review.judged_tag.key) == (2, "speculation")
    assert _status(fact) == "accepted" and _queue(bob) == []
    versions = [(h.claim_version, h.judged_tag.key) for h in review.history.order_by("history_id")]
    assert versions == [(1, "fact"), (2, "speculation")]


def test_a_repeated_verdict_writes_nothing(fact, bob):
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    _, created = services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    assert not created and Review.history.count() == 1


def test_adopting_a_proposal_turns_the_disagreement_into_agreement(article, alice, bob, carol):
    annotation = factories.annotate(article, alice, "shameful waste", "fact")
    services.review_set(
        annotation=annotation,
        reviewer=bob,
        verdict="disagree",
        proposed_tag="opinion",
        comment="A judgement.",
    )
    services.review_set(annotation=annotation, reviewer=carol, verdict="agree")
    assert _status(annotation) == "disputed"

    services.annotation_update(annotation=annotation, actor=alice, tag="opinion")
    bobs = Review.objects.get(reviewer=bob)
    carols = Review.objects.get(reviewer=carol)
    assert (bobs.verdict, bobs.proposed_tag, bobs.claim_version) == ("agree", None, 2)
    assert bobs.judged_tag.key == "opinion" and bobs.comment == "A judgement."
    adopted = bobs.history.first()
    assert (adopted.history_change_reason, adopted.history_user) == ("proposal adopted", alice)
    assert carols.claim_version == 1 and not carols.is_current  # outdated, not adopted
    # Status only from current verdicts: Bob's agreement, no disagreement left.
    assert _status(annotation) == "accepted"
    assert list(Annotation.objects.needs_review_by(carol)) == [annotation]


def test_a_proposal_of_another_tag_is_not_adopted(article, alice, bob):
    annotation = factories.annotate(article, alice, "shameful waste", "fact")
    services.review_set(
        annotation=annotation, reviewer=bob, verdict="disagree", proposed_tag="opinion"
    )
    services.annotation_update(annotation=annotation, actor=alice, tag="speculation")
    review = Review.objects.get()
    assert (review.verdict, review.claim_version) == ("disagree", 1)
    assert _status(annotation) == "pending"


def test_a_proposal_is_not_adopted_when_the_span_moved_too(article, alice, bob):
    """A proposal judged a tag for certain words: when the words changed as well (span
    edits come with issue 15; re-anchoring with issue 13), it is outdated, not adopted."""
    annotation = factories.annotate(article, alice, "shameful waste", "fact")
    services.review_set(
        annotation=annotation, reviewer=bob, verdict="disagree", proposed_tag="opinion"
    )
    annotation.tag = factories.ensure_default_tags()["opinion"]
    annotation.claim_version = 2
    annotation.save()
    services.reviews.reviews_follow_claim(
        annotation=annotation, actor=alice, old_version=1, span_changed=True
    )
    assert Review.objects.get().verdict == "disagree"
    services.reviews.reviews_follow_claim(
        annotation=annotation, actor=alice, old_version=1, span_changed=False
    )
    assert Review.objects.get().verdict == "agree"


def test_restoring_an_earlier_tag_is_a_new_version_and_can_adopt(article, alice, bob):
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    first = annotation.history.get().history_id
    services.annotation_update(annotation=annotation, actor=alice, tag="fact")
    services.review_set(
        annotation=annotation, reviewer=bob, verdict="disagree", proposed_tag="opinion"
    )
    services.annotation_restore(annotation=annotation, actor=alice, revision=first)
    annotation.refresh_from_db()
    assert (annotation.tag.key, annotation.claim_version) == ("opinion", 3)
    assert Review.objects.get().verdict == "agree" and _status(annotation) == "accepted"


def test_deleting_and_restoring_keeps_the_claim(fact, alice, bob):
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    services.annotation_delete(annotation=fact, actor=alice)
    services.annotation_restore(annotation=fact, actor=alice)
    fact.refresh_from_db()
    assert (fact.version, fact.claim_version) == (3, 1)
    assert _status(fact) == "accepted"


def test_an_admins_change_of_tag_outdates_verdicts(fact, bob):
    admin = factories.make_user("root", is_staff=True)
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    services.annotation_moderate(annotation=fact, actor=admin, tag="opinion")
    assert _status(fact) == "pending" and not Review.objects.get().is_current


def test_status_values_and_the_agreed_filter(article, alice, bob, carol):
    curator = factories.make_curator(factories.make_user("dora"))
    pending = factories.annotate(article, alice, "Officials", "fact")
    accepted = factories.annotate(article, alice, "bridge", "fact")
    disputed = factories.annotate(article, alice, "shameful waste", "opinion")
    settled = factories.annotate(article, alice, "probably double", "speculation")
    services.review_set(annotation=accepted, reviewer=bob, verdict="agree")
    services.review_set(annotation=disputed, reviewer=bob, verdict="agree")
    services.review_set(annotation=disputed, reviewer=carol, verdict="disagree")
    services.review_set(annotation=settled, reviewer=carol, verdict="disagree")
    services.annotation_settle(annotation=settled, actor=curator, tag="opinion", reason="Hedged.")
    statuses = dict(Annotation.objects.with_status().values_list("pk", "review_status"))
    assert statuses == {
        pending.pk: "pending",
        accepted.pk: "accepted",
        disputed.pk: "disputed",
        settled.pk: "settled",
    }
    for value, expected in [
        ("pending", {pending}),
        ("accepted", {accepted}),
        ("disputed", {disputed}),
        ("settled", {settled}),
        ("agreed", {accepted, settled}),
    ]:
        assert set(Annotation.objects.filter_status(value)) == expected, value
    finals = {a.pk: a.final_tag and a.final_tag.key for a in Annotation.objects.with_status()}
    assert finals == {
        pending.pk: None,
        accepted.pk: "fact",
        disputed.pk: None,
        settled.pk: "opinion",
    }


def test_the_backfill_ties_existing_verdicts_to_the_claim_they_saw(fact, alice, bob, carol):
    """Data made before claim versions existed: Bob agreed with Fact, then the author
    changed it to Speculation, then Carol agreed. The migration reads the history and
    gives Bob's verdict version 1 (Fact, outdated) and Carol's version 2."""
    services.review_set(annotation=fact, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=fact, actor=alice, tag="speculation")
    services.review_set(annotation=fact, reviewer=carol, verdict="agree")
    # As the rows looked before migration 0005: every counter at its default.
    for model in (Annotation, Annotation.history.model, Review, Review.history.model):
        model.objects.all().update(claim_version=1)
    for model in (Review, Review.history.model):
        model.objects.all().update(judged_tag=None)
    migration = importlib.import_module("annotator.migrations.0006_backfill_claim_versions")
    migration.backfill(apps, None)

    fact.refresh_from_db()
    assert fact.claim_version == 2
    found = {r.reviewer.username: (r.claim_version, r.judged_tag.key) for r in Review.objects.all()}
    assert found == {"bob": (1, "fact"), "carol": (2, "speculation")}
    assert _status(fact) == "accepted"  # Carol's verdict; Bob's no longer counts
    assert [h.claim_version for h in fact.history.order_by("history_id")] == [1, 2]
