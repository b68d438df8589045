import pytest
from django.urls import reverse

from annotator import services
from annotator.models import Comment, Mention, Review
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def annotation(article, alice):
    return factories.annotate(article, alice, "shameful waste", "opinion", note="Judgement.")


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


def thread_url(annotation):
    return reverse("annotator:annotation_thread", args=[annotation.pk])


def test_thread_page_and_fragment(bob_client, annotation, bob, carol):
    top = services.comment_create(annotation=annotation, author=carol, body="**Strong** @bob")
    services.comment_create(annotation=annotation, author=bob, body="a reply", parent=top)
    page = bob_client.get(thread_url(annotation))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and 'id="thread"' in html
    assert "<strong>Strong</strong>" in html and 'href="/people/bob/"' in html
    assert "comments--replies" in html and "Judgement." in html
    fragment = bob_client.get(thread_url(annotation), **HX).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="thread"')


def test_comment_post_with_and_without_htmx(bob_client, annotation):
    url = reverse("annotator:comment_create", args=[annotation.pk])
    response = bob_client.post(url, {"body": "First"}, **HX)
    assert response.status_code == 200 and "First" in response.content.decode()
    assert "claimmark:annotation-changed" in response["HX-Trigger"]
    response = bob_client.post(url, {"body": "Second"})
    second = Comment.objects.get(body="Second")
    assert response.status_code == 302
    assert response["Location"] == thread_url(annotation) + f"#comment-{second.pk}"


def test_empty_comment_answers_with_a_message(bob_client, annotation):
    url = reverse("annotator:comment_create", args=[annotation.pk])
    response = bob_client.post(url, {"body": "  "}, **HX)
    assert response.status_code == 400
    assert "Write something" in response.content.decode()
    assert response["HX-Retarget"] == "#comment-error"
    response = bob_client.post(url, {"body": ""}, follow=True)
    assert "Write something" in response.content.decode()
    assert not Comment.objects.exists()


def test_nobody_edits_or_deletes_another_persons_comment_through_the_views(
    client, annotation, alice, bob
):
    comment = services.comment_create(annotation=annotation, author=bob, body="Mine")
    client.force_login(alice)
    edit = client.post(reverse("annotator:comment_update", args=[comment.pk]), {"body": "x"}, **HX)
    delete = client.post(reverse("annotator:comment_delete", args=[comment.pk]), **HX)
    assert edit.status_code == delete.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.is_deleted
    # And no edit or delete control is offered to her.
    html = client.get(thread_url(annotation)).content.decode()
    assert reverse("annotator:comment_update", args=[comment.pk]) not in html


def test_author_edits_then_deletes_a_comment(bob_client, annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Frist")
    response = bob_client.post(
        reverse("annotator:comment_update", args=[comment.pk]), {"body": "First"}, **HX
    )
    assert "edited" in response.content.decode()
    response = bob_client.post(reverse("annotator:comment_delete", args=[comment.pk]))
    assert response.status_code == 302
    html = bob_client.get(thread_url(annotation)).content.decode()
    comments, history = html.split('id="history-title"')
    assert "comment deleted" in comments and "First" not in comments
    # Its text stays in the history, with the deletion as a revision.
    assert "<ins>First</ins>" in history and ">deleted</span>" in history


def test_self_review_shows_no_control_and_is_refused(alice_client, annotation):
    html = alice_client.get(thread_url(annotation)).content.decode()
    assert 'name="verdict"' not in html and "your annotation" in html
    url = reverse("annotator:review_set", args=[annotation.pk])
    assert alice_client.post(url, {"verdict": "agree"}, **HX).status_code == 403
    assert alice_client.post(url, {"verdict": "agree"}).status_code == 302
    assert not Review.objects.exists()


def test_review_from_thread_updates_status(bob_client, annotation):
    url = reverse("annotator:review_set", args=[annotation.pk])
    response = bob_client.post(
        url, {"verdict": "disagree", "proposed_tag": "speculation", "comment": "Hedged."}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Disputed" in html and "Hedged." in html
    response = bob_client.post(url, {"verdict": "agree"})
    assert response.status_code == 302 and response["Location"].endswith("#reviews")
    assert Review.objects.get().verdict == "agree"


def test_review_queue_lists_others_unreviewed_annotations_oldest_first(
    client, article, alice, bob, carol
):
    first = factories.annotate(article, alice, "bridge", "fact")
    factories.annotate(article, bob, "opened in 2019", "fact")
    reviewed = factories.annotate(article, carol, "shameful", "opinion")
    last = factories.annotate(article, carol, "probably double", "speculation")
    services.review_set(annotation=reviewed, reviewer=bob, verdict="agree")
    gone = factories.annotate(article, alice, "Traffic", "fact")
    services.annotation_delete(annotation=gone, actor=alice)
    client.force_login(bob)
    response = client.get(reverse("annotator:review_queue"))
    items = response.context["items"]
    assert [item.annotation.pk for item in items] == [first.pk, last.pk]  # not bob's, not reviewed
    assert response.context["remaining"] == 2
    html = response.content.decode()
    assert "2</strong> annotations by others left to review" in html
    # The quote sits in its sentence.
    assert items[0].before == "Officials said the " and items[0].after == " opened in 2019."


def test_review_from_queue_returns_the_next_item(bob_client, article, alice):
    first = factories.annotate(article, alice, "bridge", "fact")
    second = factories.annotate(article, alice, "shameful", "opinion")
    url = reverse("annotator:review_set", args=[first.pk])
    response = bob_client.post(url, {"verdict": "agree", "next": "queue"}, **HX)
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="queue"')
    assert f'id="queue-item-{second.pk}"' in html and f'id="queue-item-{first.pk}"' not in html
    response = bob_client.post(
        reverse("annotator:review_set", args=[second.pk]),
        {"verdict": "disagree", "next": "queue"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("annotator:review_queue")


def test_review_queue_fragment_and_disputed_tab(bob_client, client, article, alice, carol):
    annotation = factories.annotate(article, alice, "shameful", "opinion")
    services.review_set(
        annotation=annotation,
        reviewer=carol,
        verdict="disagree",
        proposed_tag="speculation",
        comment="Not a judgement <b>really</b>",
    )
    fragment = bob_client.get(reverse("annotator:review_queue"), **HX).content.decode()
    assert "<html" not in fragment and 'id="queue"' in fragment
    html = bob_client.get(reverse("annotator:review_queue") + "?tab=disputed").content.decode()
    assert "Speculation" in html and "Not a judgement &lt;b&gt;really&lt;/b&gt;" in html
    assert thread_url(annotation) in html


def test_mentions_list_unread_count_and_mark_read(client, annotation, alice, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="@alice look")
    client.force_login(alice)
    html = client.get(reverse("annotator:mention_list")).content.decode()
    assert "bob</strong> mentioned you" in html and "New" in html
    assert 'badge--alert">1<' in html  # header count
    mention = Mention.objects.get()
    response = client.post(reverse("annotator:mentions_mark_read"), {"mention": mention.pk})
    assert response["Location"] == thread_url(annotation) + f"#comment-{comment.pk}"
    mention.refresh_from_db()
    assert mention.is_read
    assert "badge--alert" not in client.get(reverse("annotator:mention_list")).content.decode()


def test_someone_elses_mention_cannot_be_marked(client, annotation, alice, bob, carol):
    services.comment_create(annotation=annotation, author=bob, body="@alice look")
    client.force_login(carol)
    response = client.post(
        reverse("annotator:mentions_mark_read"), {"mention": Mention.objects.get().pk}
    )
    assert response.status_code == 404


def test_person_page(bob_client, annotation, alice):
    html = bob_client.get(reverse("annotator:person_detail", args=["alice"])).content.decode()
    assert "@alice" in html and "shameful waste" in html


def test_reader_shows_status_comment_count_and_filters_by_status(
    bob_client, article, alice, bob, carol
):
    disputed = factories.annotate(article, alice, "shameful", "opinion")
    pending = factories.annotate(article, alice, "bridge", "fact")
    services.review_set(annotation=disputed, reviewer=carol, verdict="disagree")
    services.comment_create(annotation=disputed, author=bob, body="hm")
    url = article.get_absolute_url()
    html = bob_client.get(url).content.decode()
    assert 'data-status="disputed"' in html and "· 1 comment<" in html
    assert thread_url(disputed) in html and "Review summary" in html
    response = bob_client.get(url + "?status=disputed", **HX)
    assert [item.annotation.pk for item in response.context["items"]] == [disputed.pk]
    services.review_set(annotation=disputed, reviewer=bob, verdict="agree")
    response = bob_client.get(url + "?status=needs-review")
    assert [item.annotation.pk for item in response.context["items"]] == [pending.pk]
    tag_rows = {tag.key: counts for tag, counts in response.context["review"]["tag_rows"]}
    assert tag_rows["opinion"] == [0, 0, 1, 0] and tag_rows["fact"] == [1, 0, 0, 0]
    assert response.context["review"]["reviewer_rows"] == [("bob", 1, 0, 0), ("carol", 0, 1, 0)]


def _many(article, authors, reviewers, count):
    for i in range(count):
        annotation = factories.annotate(
            article, authors[i % len(authors)], "bridge", ["fact", "opinion"][i % 2]
        )
        services.comment_create(annotation=annotation, author=reviewers[0], body=f"@alice {i}")
        if i % 3 == 0:
            services.review_set(annotation=annotation, reviewer=reviewers[1], verdict="disagree")


@pytest.mark.parametrize("path", ["queue", "disputed", "thread", "reader", "mentions"])
def test_query_count_does_not_grow_with_annotations(
    client, article, alice, bob, carol, django_assert_max_num_queries, path
):
    def fetch():
        first = article.annotations.order_by("id").first()
        urls = {
            "queue": reverse("annotator:review_queue"),
            "disputed": reverse("annotator:review_queue") + "?tab=disputed",
            "thread": thread_url(first),
            "reader": article.get_absolute_url(),
            "mentions": reverse("annotator:mention_list"),
        }
        with django_assert_max_num_queries(100) as captured:
            assert client.get(urls[path]).status_code == 200
        return len(captured)

    dave = factories.make_user("dave")
    client.force_login(dave)
    _many(article, [alice, bob], [bob, carol], 10)
    small = fetch()
    _many(article, [alice, bob], [bob, carol], 40)
    assert fetch() == small
