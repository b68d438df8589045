"""The thread panel: an annotation's note, comments and verdicts, and the writes made
from it. Each view serves the whole page, or its fragment when htmx asks; writes answer
an htmx POST with the updated thread and a normal POST with a redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from annotator import services
from annotator.models import Annotation, Comment
from annotator.selectors import discussion as selectors
from annotator.views._htmx import HtmxHttpRequest, error_response, safe_next

# The reader listens and refreshes its sidebar counts and statuses.
THREAD_CHANGED = "claimmark:annotation-changed"


def _thread_url(annotation_id: int) -> str:
    return reverse("annotator:annotation_thread", args=[annotation_id])


def _thread_response(request: HtmxHttpRequest, annotation_id: int, status: int = 200):
    annotation = get_object_or_404(selectors.annotations_with_status(), pk=annotation_id)
    context = selectors.thread_context(annotation, request.user)
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
            return error_response(request, back, "That reply has no comment to answer.", target)
        parent = get_object_or_404(Comment, pk=int(parent_id), annotation=annotation)
    try:
        comment = services.comment_create(
            annotation=annotation,
            author=request.user,
            body=request.POST.get("body", ""),
            parent=parent,
        )
    except ValidationError as error:
        return error_response(request, back, error, target)
    return _after_thread_change(request, annotation_id, f"#comment-{comment.pk}")


def _own_comment_action(request: HtmxHttpRequest, comment_id: int, action):
    comment = get_object_or_404(Comment, pk=comment_id)
    target = f"#comment-error-{comment.pk}"
    back = _thread_url(comment.annotation_id)
    try:
        action(comment)
    except PermissionDenied as error:
        return error_response(request, back, error, target, status=403)
    except ValidationError as error:
        return error_response(request, back, error, target)
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
    back = safe_next(request)
    if response.status_code == 302 and back:
        if not messages.get_messages(request):
            messages.success(request, "Comment restored.")
        return redirect(back)
    return response


@require_POST
def review_set(request: HtmxHttpRequest, annotation_id: int):
    """A verdict, from the thread's form or from the review queue (`next=queue`)."""
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
        return error_response(request, back, error, target, status=403)
    except ValidationError as error:
        return error_response(request, back, error, target)
    if not from_queue:
        return _after_thread_change(request, annotation_id, "#reviews")
    return _back_to_queue(request, back, "unreviewed")


def _back_to_queue(request: HtmxHttpRequest, back: str, tab: str):
    if not request.htmx:
        return redirect(back)
    context = selectors.queue_context(request.user, tab)
    return render(request, "annotator/review_queue.html#queue", context)


def _curator_action(request: HtmxHttpRequest, annotation_id: int, action):
    """Settle or reopen, from the thread or from the disputed tab (`next=queue`)."""
    annotation = get_object_or_404(Annotation.objects.live(), pk=annotation_id)
    from_queue = request.POST.get("next") == "queue"
    target = "#queue-error" if from_queue else "#settle-error"
    queue = reverse("annotator:review_queue") + "?tab=disputed"
    back = queue if from_queue else _thread_url(annotation_id)
    try:
        action(annotation)
    except PermissionDenied as error:
        return error_response(request, back, error, target, status=403)
    except ValidationError as error:
        return error_response(request, back, error, target)
    if from_queue:
        return _back_to_queue(request, back, "disputed")
    return _after_thread_change(request, annotation_id, "#settlement")


@require_POST
def annotation_settle(request: HtmxHttpRequest, annotation_id: int):
    return _curator_action(
        request,
        annotation_id,
        lambda a: services.annotation_settle(
            annotation=a,
            actor=request.user,
            tag=request.POST.get("tag", ""),
            reason=request.POST.get("reason", ""),
        ),
    )


@require_POST
def annotation_reopen(request: HtmxHttpRequest, annotation_id: int):
    return _curator_action(
        request,
        annotation_id,
        lambda a: services.annotation_reopen(annotation=a, actor=request.user),
    )
