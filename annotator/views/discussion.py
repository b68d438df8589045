"""The thread panel: an annotation's note, comments and verdicts, and the writes made
from it. Each view serves the whole page, or its fragment when htmx asks; writes answer
an htmx POST with the updated thread and a normal POST with a redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from annotator import events, services
from annotator.models import Annotation, Comment
from annotator.selectors import discussion as selectors
from annotator.views._htmx import HtmxHttpRequest, error_response, safe_next

# The reader applies the change this carries (the event every reader receives).
THREAD_CHANGED = "claimmark:event"


def _thread_url(annotation_id: int) -> str:
    return reverse("annotator:annotation_thread", args=[annotation_id])


def _thread_response(
    request: HtmxHttpRequest, annotation_id: int, status: int = 200, warning: str = ""
):
    annotation = get_object_or_404(selectors.annotations_with_status(), pk=annotation_id)
    context = selectors.thread_context(annotation, request.user)
    context["mention_warning"] = warning
    if request.htmx:
        return render(request, "annotator/annotation_thread.html#thread", context, status=status)
    return render(request, "annotator/annotation_thread.html", context, status=status)


@require_GET
def annotation_thread(request: HtmxHttpRequest, annotation_id: int):
    return _thread_response(request, annotation_id)


def _wants_json(request) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _unknown_names_warning(comment) -> str:
    names = getattr(comment, "unknown_mentions", None)
    if not names:
        return ""
    written = ", ".join(f"@{name}" for name in names)
    nobody = "Nobody has the user name" if len(names) == 1 else "Nobody has the user names"
    return f"{nobody} {written}, so nobody was told. Check the spelling and edit the comment."


def _after_thread_change(request: HtmxHttpRequest, changed, anchor: str = ""):
    """The thread again (htmx) with the change's event for the reader, the event alone
    (the reader's script), or a redirect (no script). A comment naming nobody's user
    name comes back with a warning saying so."""
    event = getattr(changed, "event", None)
    body = events.as_json(event) if event is not None else None
    warning = _unknown_names_warning(changed)
    if _wants_json(request):
        return JsonResponse({"event": body, "warning": warning})
    annotation_id = changed.pk if isinstance(changed, Annotation) else changed.annotation_id
    if not request.htmx:
        if warning:
            messages.warning(request, warning)
        return redirect(_thread_url(annotation_id) + anchor)
    response = _thread_response(request, annotation_id, warning=warning)
    if body is None:
        return response
    return trigger_client_event(response, THREAD_CHANGED, body)


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
    return _after_thread_change(request, comment, f"#comment-{comment.pk}")


def _own_comment_action(request: HtmxHttpRequest, comment_id: int, action):
    comment = get_object_or_404(Comment, pk=comment_id)
    target = f"#comment-error-{comment.pk}"
    back = _thread_url(comment.annotation_id)
    try:
        changed = action(comment)
    except PermissionDenied as error:
        return error_response(request, back, error, target, status=403)
    except ValidationError as error:
        return error_response(request, back, error, target)
    return _after_thread_change(request, changed, f"#comment-{comment.pk}")


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
            messages.success(request, _("Comment restored."))
        return redirect(back)
    return response


@require_POST
def review_set(request: HtmxHttpRequest, annotation_id: int):
    """A verdict, from the thread's form or from the review queue (`next=queue`)."""
    annotation = get_object_or_404(Annotation.objects.live(), pk=annotation_id)
    from_queue = request.POST.get("next") == "queue"
    target = "#queue-error" if from_queue else "#review-error"
    back = reverse("annotator:review_queue") if from_queue else _thread_url(annotation_id)
    json = _wants_json(request)
    try:
        review, _status = services.review_set(
            annotation=annotation,
            reviewer=request.user,
            verdict=request.POST.get("verdict", ""),
            proposed_tag=request.POST.get("proposed_tag") or None,
            comment=request.POST.get("comment", ""),
        )
    except PermissionDenied as error:
        if json:
            return JsonResponse({"detail": str(error), "code": "permission_denied"}, status=403)
        return error_response(request, back, error, target, status=403)
    except ValidationError as error:
        if json:
            return JsonResponse(
                {"detail": services.message_of(error), "code": "invalid"}, status=400
            )
        return error_response(request, back, error, target)
    if not from_queue or json:
        return _after_thread_change(request, review, "#reviews")
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
        changed = action(annotation)
    except PermissionDenied as error:
        return error_response(request, back, error, target, status=403)
    except ValidationError as error:
        return error_response(request, back, error, target)
    if from_queue:
        return _back_to_queue(request, back, "disputed")
    return _after_thread_change(request, changed, "#settlement")


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
