"""Pages for discussing and reviewing annotations: the thread panel, the review queue,
mentions and a person's page.

Each view serves a whole page, or its fragment when htmx asks (`request.htmx`); writes
go through annotator.services and answer an htmx POST with the updated fragment and a
normal POST with a redirect.
"""

import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from annotator import history, markdown, services
from annotator.models import Annotation, Comment, Mention, Review, Tag
from annotator.views import _back, _error, _message
from articles.views import HtmxHttpRequest

QUEUE_PAGE_SIZE = 20
DISPUTED_PAGE_SIZE = 50
MENTIONS_PAGE_SIZE = 100
CONTEXT_LIMIT = 240
THREAD_CHANGED = "claimmark:annotation-changed"
THREAD_HISTORY = 30  # revisions shown in the panel; the history page has them all


def _annotations():
    return Annotation.objects.live().with_status().select_related("article", "author", "tag")


def _thread_url(annotation_id: int) -> str:
    return reverse("annotator:annotation_thread", args=[annotation_id])


# Thread ---------------------------------------------------------------------------------


def thread_context(request: HtmxHttpRequest, annotation: Annotation) -> dict:
    """The annotation's note, comments with one level of replies, and reviews, in a
    constant number of queries. `annotation` comes from _annotations()."""
    comments = list(annotation.comments.select_related("author").order_by("created", "id"))
    reviews = list(annotation.reviews.select_related("reviewer", "proposed_tag"))
    candidates = {
        name for c in comments if not c.is_deleted for name in markdown.MENTION_RE.findall(c.body)
    }
    known = set(
        get_user_model().objects.filter(username__in=candidates).values_list("username", flat=True)
        if candidates
        else ()
    )
    top, replies = [], {}
    for comment in comments:
        comment.html = "" if comment.is_deleted else markdown.render(comment.body, known)
        comment.can_edit = comment.is_editable_by(request.user)
        comment.can_restore = comment.is_deleted and (
            comment.author_id == request.user.pk or request.user.is_staff
        )
        comment.thread_replies = replies.setdefault(comment.pk, [])
        if comment.parent_id is None:
            top.append(comment)
        else:
            replies.setdefault(comment.parent_id, []).append(comment)
    my_review = next((r for r in reviews if r.reviewer_id == request.user.pk), None)
    return {
        "annotation": annotation,
        "article": annotation.article,
        "comments": top,
        "comment_count": sum(1 for c in comments if not c.is_deleted),
        "reviews": reviews,
        "my_review": my_review,
        "can_review": annotation.is_reviewable_by(request.user),
        "is_own": annotation.author_id == request.user.pk,
        "tags": list(Tag.objects.all()),
        "comment_max_length": Comment._meta.get_field("body").max_length,
        # The annotation's own timeline (issue 6): its revisions, comments' and verdicts'.
        "revisions": history.timeline(annotation=annotation, limit=THREAD_HISTORY)[0],
    }


def _thread_response(request: HtmxHttpRequest, annotation_id: int, status: int = 200):
    annotation = get_object_or_404(_annotations(), pk=annotation_id)
    context = thread_context(request, annotation)
    if request.htmx:
        return render(request, "annotator/annotation_thread.html#thread", context, status=status)
    return render(request, "annotator/annotation_thread.html", context, status=status)


@require_GET
def annotation_thread(request: HtmxHttpRequest, annotation_id: int):
    return _thread_response(request, annotation_id)


def _after_thread_change(request: HtmxHttpRequest, annotation_id: int, anchor: str = ""):
    if not request.htmx:
        return redirect(_thread_url(annotation_id) + anchor)
    response = _thread_response(request, annotation_id)
    # The reader listens and refreshes its sidebar counts and statuses.
    return trigger_client_event(response, THREAD_CHANGED, {"id": annotation_id})


@require_POST
def comment_create(request: HtmxHttpRequest, annotation_id: int):
    annotation = get_object_or_404(Annotation.objects.live(), pk=annotation_id)
    parent = None
    parent_id = request.POST.get("parent") or ""
    target = f"#comment-error-{parent_id}" if parent_id else "#comment-error"
    back = _thread_url(annotation_id)
    if parent_id:
        if not parent_id.isdigit():
            return _error(request, back, "That reply has no comment to answer.", target)
        parent = get_object_or_404(Comment, pk=int(parent_id), annotation=annotation)
    try:
        comment = services.comment_create(
            annotation=annotation,
            author=request.user,
            body=request.POST.get("body", ""),
            parent=parent,
        )
    except ValidationError as error:
        return _error(request, back, _message(error), target)
    return _after_thread_change(request, annotation_id, f"#comment-{comment.pk}")


def _own_comment_action(request: HtmxHttpRequest, comment_id: int, action):
    comment = get_object_or_404(Comment, pk=comment_id)
    target = f"#comment-error-{comment.pk}"
    back = _thread_url(comment.annotation_id)
    try:
        action(comment)
    except PermissionDenied as error:
        return _error(request, back, str(error), target, status=403)
    except ValidationError as error:
        return _error(request, back, _message(error), target)
    return _after_thread_change(request, comment.annotation_id, f"#comment-{comment.pk}")


@require_POST
def comment_update(request: HtmxHttpRequest, comment_id: int):
    return _own_comment_action(
        request,
        comment_id,
        lambda c: services.comment_update(
            comment=c, actor=request.user, body=request.POST.get("body", "")
        ),
    )


@require_POST
def comment_delete(request: HtmxHttpRequest, comment_id: int):
    return _own_comment_action(
        request, comment_id, lambda c: services.comment_delete(comment=c, actor=request.user)
    )


@require_POST
def comment_restore(request: HtmxHttpRequest, comment_id: int):
    response = _own_comment_action(
        request, comment_id, lambda c: services.comment_restore(comment=c, actor=request.user)
    )
    # From the history page, go back there rather than to the thread.
    back = _back(request)
    if response.status_code == 302 and back:
        if not messages.get_messages(request):
            messages.success(request, "Comment restored.")
        return redirect(back)
    return response


# Review ---------------------------------------------------------------------------------


@require_POST
def review_set(request: HtmxHttpRequest, annotation_id: int):
    annotation = get_object_or_404(Annotation.objects.live(), pk=annotation_id)
    from_queue = request.POST.get("next") == "queue"
    target = "#queue-error" if from_queue else "#review-error"
    back = reverse("annotator:review_queue") if from_queue else _thread_url(annotation_id)
    try:
        services.review_set(
            annotation=annotation,
            reviewer=request.user,
            verdict=request.POST.get("verdict", ""),
            proposed_tag=request.POST.get("proposed_tag") or None,
            comment=request.POST.get("comment", ""),
        )
    except PermissionDenied as error:
        return _error(request, back, str(error), target, status=403)
    except ValidationError as error:
        return _error(request, back, _message(error), target)
    if not from_queue:
        return _after_thread_change(request, annotation_id, "#reviews")
    if not request.htmx:
        return redirect(back)
    return render(
        request, "annotator/review_queue.html#queue", queue_context(request, "unreviewed")
    )


_SENTENCE_START = re.compile(r"[.!?][\"'”’)\]]*\s+|\n")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|\n")


def sentence_context(text: str, start: int, end: int, limit: int = CONTEXT_LIMIT):
    """The words before and after [start, end) up to the sentence edges (at most `limit`
    code points each side), with "…" where the sentence goes on."""
    window_start = max(0, start - limit)
    before = text[window_start:start]
    edges = list(_SENTENCE_START.finditer(before))
    if edges:
        before = before[edges[-1].end() :]
    elif window_start > 0:
        before = "…" + before.lstrip()
    after = text[end : end + limit]
    edge = _SENTENCE_END.search(after)
    if edge:
        after = after[: edge.end()].rstrip("\n")
    elif end + limit < len(text):
        after = after.rstrip() + "…"
    return before, after


def queue_context(request: HtmxHttpRequest, tab: str) -> dict:
    user = request.user
    unreviewed = (
        Annotation.objects.live()
        .exclude(author=user)
        .exclude(reviews__reviewer=user)
        .select_related("article", "author", "tag")
        .order_by("created", "id")
    )
    disputed = (
        Annotation.objects.live()
        .with_status()
        .with_comment_count()
        .filter_status(Annotation.Status.DISPUTED)
        .select_related("article", "author", "tag")
        .order_by("created", "id")
    )
    context = {
        "tab": tab,
        "remaining": unreviewed.count(),
        "disputed_count": disputed.count(),
        "tags": list(Tag.objects.all()),
    }
    if tab == "disputed":
        context["items"] = list(
            disputed.prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=Review.objects.filter(verdict=Review.Verdict.DISAGREE)
                    .select_related("reviewer", "proposed_tag")
                    .order_by("created", "id"),
                    to_attr="disagreements",
                )
            )[:DISPUTED_PAGE_SIZE]
        )
    else:
        items = list(unreviewed[:QUEUE_PAGE_SIZE])
        for item in items:
            item.before, item.after = sentence_context(item.article.text, item.start, item.end)
        context["items"] = items
    return context


@require_GET
def review_queue(request: HtmxHttpRequest):
    tab = "disputed" if request.GET.get("tab") == "disputed" else "unreviewed"
    context = queue_context(request, tab)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "annotator/review_queue.html#queue", context)
    return render(request, "annotator/review_queue.html", context)


# Mentions and people ------------------------------------------------------------------


@require_GET
def mention_list(request: HtmxHttpRequest):
    mentions = list(
        Mention.objects.filter(user=request.user)
        .select_related(
            "comment__author", "comment__annotation__article", "comment__annotation__tag"
        )
        .defer("comment__annotation__article__text")
        .order_by("-created", "-id")[:MENTIONS_PAGE_SIZE]
    )
    for mention in mentions:
        comment = mention.comment
        mention.html = "" if comment.is_deleted else markdown.render(comment.body)
    return render(
        request,
        "annotator/mentions.html",
        {"mentions": mentions, "unread": sum(1 for m in mentions if not m.is_read)},
    )


@require_POST
def mentions_mark_read(request: HtmxHttpRequest):
    """Mark one mention read and open its thread, or mark them all read."""
    mention_id = request.POST.get("mention", "")
    if mention_id.isdigit():
        mention = get_object_or_404(
            Mention.objects.select_related("comment"), pk=int(mention_id), user=request.user
        )
        services.mentions_mark_read(user=request.user, mention_ids=[mention.pk])
        return redirect(
            _thread_url(mention.comment.annotation_id) + f"#comment-{mention.comment_id}"
        )
    count = services.mentions_mark_read(user=request.user)
    messages.success(request, f"Marked {count} mention{'s' if count != 1 else ''} as read.")
    return redirect("annotator:mention_list")


@require_GET
def person_detail(request: HtmxHttpRequest, username: str):
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    annotations = list(
        Annotation.objects.live()
        .filter(author=person)
        .with_status()
        .select_related("article", "tag")
        .defer("article__text")
        .order_by("-created", "-id")[:20]
    )
    return render(
        request,
        "annotator/person_detail.html",
        {
            "person": person,
            "annotations": annotations,
            "annotation_total": Annotation.objects.live().filter(author=person).count(),
            "review_total": Review.objects.filter(reviewer=person).count(),
        },
    )
