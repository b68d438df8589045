"""The inbox: the signed-in person's notifications (mentions, replies, verdicts,
settlements, annotations to check), unread first; open one, or mark all read."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from annotator import services
from annotator.models import Notification
from annotator.selectors import notifications as selectors
from annotator.views._htmx import HtmxHttpRequest


def target_of(notification: Notification) -> str:
    """Where a notification leads: the comment in its thread, the annotation's thread,
    the anchors to check, or the article."""
    if notification.comment_id and notification.annotation_id:
        thread = reverse("annotator:annotation_thread", args=[notification.annotation_id])
        return f"{thread}#comment-{notification.comment_id}"
    if notification.kind == Notification.Kind.ANCHORS and notification.article_id:
        return reverse("annotator:anchor_list", args=[notification.article.slug])
    if notification.annotation_id:
        return reverse("annotator:annotation_thread", args=[notification.annotation_id])
    if notification.article_id:
        return notification.article.get_absolute_url()
    return reverse("annotator:notification_list")


@require_GET
def notification_list(request: HtmxHttpRequest):
    rows = selectors.notification_list(request.user)
    entries = [(n, target_of(n)) for n in rows]
    unread = sum(1 for n in rows if not n.is_read)
    return render(request, "annotator/notifications.html", {"entries": entries, "unread": unread})


@require_POST
def notifications_mark_read(request: HtmxHttpRequest):
    """Mark one notification read and open what it is about, or mark them all read."""
    notification_id = request.POST.get("notification", "")
    if notification_id.isdigit():
        notification = get_object_or_404(
            Notification.objects.select_related("article"),
            pk=int(notification_id),
            user=request.user,
        )
        services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
        return redirect(target_of(notification))
    count = services.notifications_mark_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "Marked %(count)s notification as read.",
            "Marked %(count)s notifications as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("annotator:notification_list")
