"""Reads for the inbox: a person's notifications, unread first."""

from annotator.models import Notification

INBOX_PAGE = 100


def notification_list(user, *, limit: int = INBOX_PAGE) -> list[Notification]:
    """`user`'s latest notifications, unread first then newest, with who did it and
    where, in one query."""
    return list(
        Notification.objects.filter(user=user)
        .select_related("actor", "article", "annotation__tag")
        .defer("article__text", "annotation__prefix", "annotation__suffix")
        .order_by("is_read", "-created", "-id")[:limit]
    )
