import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotator import services
from annotator.models import Annotation, Comment, Mention, Review
from tests import factories


@pytest.fixture
def annotation(article, alice):
    return factories.annotate(article, alice, "shameful waste", "opinion", note="Judgement.")


def test_comment_is_created_with_history(annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="  I agree.  ")
    assert comment.body == "I agree."
    row = comment.history.get()
    assert row.history_type == "+" and row.history_user == bob


@pytest.mark.parametrize("body", ["", "   \n ", None])
def test_empty_comment_is_refused_with_a_message(annotation, bob, body):
    with pytest.raises(ValidationError, match="Write something"):
        services.comment_create(annotation=annotation, author=bob, body=body)
    assert not Comment.objects.exists()


def test_comment_longer_than_ten_thousand_characters_is_refused(annotation, bob):
    services.comment_create(annotation=annotation, author=bob, body="x" * 10_000)
    with pytest.raises(ValidationError, match="10,000"):
        services.comment_create(annotation=annotation, author=bob, body="x" * 10_001)


def test_reply_to_a_reply_joins_the_first_level(annotation, alice, bob, carol):
    top = services.comment_create(annotation=annotation, author=bob, body="Top")
    reply = services.comment_create(annotation=annotation, author=carol, body="R", parent=top)
    deeper = services.comment_create(annotation=annotation, author=alice, body="RR", parent=reply)
    assert reply.parent == top and deeper.parent == top


def test_reply_must_stay_in_its_thread(article, annotation, alice, bob):
    other = factories.annotate(article, alice, "bridge", "fact")
    top = services.comment_create(annotation=other, author=bob, body="elsewhere")
    with pytest.raises(ValidationError, match="same thread"):
        services.comment_create(annotation=annotation, author=bob, body="x", parent=top)


def test_author_edits_comment_and_history_keeps_both_versions(annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Frist")
    services.comment_update(comment=comment, actor=bob, body="First")
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited_at is not None
    assert [h.body for h in comment.history.order_by("history_id")] == ["Frist", "First"]


def test_nobody_edits_or_deletes_another_persons_comment(annotation, alice, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Mine")
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, actor=alice, body="Hijacked")
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=comment, actor=alice)
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.is_deleted


def test_deleted_comment_keeps_its_text_in_history(annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Oops")
    services.comment_delete(comment=comment, actor=bob)
    comment.refresh_from_db()
    assert comment.is_deleted
    latest = comment.history.first()
    assert latest.body == "Oops" and latest.deleted_at is not None and latest.history_user == bob
    with pytest.raises(ValidationError, match="deleted"):
        services.comment_update(comment=comment, actor=bob, body="again")


def test_mentions_are_recorded_for_existing_people_except_the_author(annotation, alice, bob):
    comment = services.comment_create(
        annotation=annotation, author=bob, body="@alice see this, @bob @ghost `@carol`"
    )
    assert list(Mention.objects.values_list("user__username", "is_read")) == [("alice", False)]
    assert Mention.objects.get().history.count() == 1
    services.comment_update(comment=comment, actor=bob, body="@alice still, and @alice again")
    assert Mention.objects.count() == 1


def test_edit_that_adds_a_mention_notifies_the_new_person(annotation, bob, carol):
    comment = services.comment_create(annotation=annotation, author=bob, body="hm")
    services.comment_update(comment=comment, actor=bob, body="hm @carol")
    assert Mention.objects.get().user == carol


def test_mark_mentions_read(annotation, alice, bob):
    services.comment_create(annotation=annotation, author=bob, body="@alice one")
    services.comment_create(annotation=annotation, author=bob, body="@alice two")
    assert services.mentions_mark_read(user=alice) == 2
    assert not Mention.objects.filter(is_read=False).exists()


def test_nobody_reviews_their_own_annotation(annotation, alice):
    with pytest.raises(PermissionDenied):
        services.review_set(annotation=annotation, reviewer=alice, verdict="agree")
    assert not Review.objects.exists()


def test_review_can_be_changed_and_history_keeps_each_verdict(annotation, bob):
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    services.review_set(
        annotation=annotation,
        reviewer=bob,
        verdict="disagree",
        proposed_tag="speculation",
        comment="It is hedged.",
    )
    review = Review.objects.get()
    assert (review.verdict, review.proposed_tag.key, review.comment) == (
        "disagree",
        "speculation",
        "It is hedged.",
    )
    verdicts = [h.verdict for h in review.history.order_by("history_id")]
    assert verdicts == ["agree", "disagree"]
    assert {h.history_user for h in review.history.all()} == {bob}


def test_agreeing_clears_a_proposed_tag(annotation, bob):
    services.review_set(
        annotation=annotation, reviewer=bob, verdict="disagree", proposed_tag="fact"
    )
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    assert Review.objects.get().proposed_tag is None


@pytest.mark.parametrize(
    ("verdict", "tag", "message"),
    [
        ("maybe", None, "agree or disagree"),
        ("disagree", "satire", "no tag called"),
        ("disagree", "opinion", "already tagged"),
    ],
)
def test_review_refuses_bad_input(annotation, bob, verdict, tag, message):
    with pytest.raises(ValidationError, match=message):
        services.review_set(annotation=annotation, reviewer=bob, verdict=verdict, proposed_tag=tag)


def test_deleted_annotation_cannot_be_reviewed_or_discussed(annotation, alice, bob):
    services.annotation_delete(annotation=annotation, actor=alice)
    annotation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    with pytest.raises(ValidationError):
        services.comment_create(annotation=annotation, author=bob, body="hello")


def test_status_follows_the_verdicts(annotation, bob, carol):
    def status():
        return Annotation.objects.with_status().get(pk=annotation.pk).status

    assert status() == "pending"
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    assert status() == "accepted"
    services.review_set(annotation=annotation, reviewer=carol, verdict="disagree")
    assert status() == "disputed"
    services.review_set(annotation=annotation, reviewer=carol, verdict="agree")
    assert status() == "accepted"


def test_filter_status_and_comment_count_do_not_multiply(annotation, article, alice, bob, carol):
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    services.review_set(annotation=annotation, reviewer=carol, verdict="agree")
    for body in ["a", "b", "c"]:
        services.comment_create(annotation=annotation, author=bob, body=body)
    gone = services.comment_create(annotation=annotation, author=bob, body="d")
    services.comment_delete(comment=gone, actor=bob)
    pending = factories.annotate(article, alice, "bridge", "fact")
    qs = Annotation.objects.with_status().with_verdict_counts().with_comment_count()
    row = qs.get(pk=annotation.pk)
    assert (row.agree_count, row.disagree_count, row.comment_count) == (2, 0, 3)
    assert list(qs.filter_status("accepted")) == [annotation]
    assert list(qs.filter_status("pending")) == [pending]
    assert not qs.filter_status("disputed").exists()
