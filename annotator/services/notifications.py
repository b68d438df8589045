"""Notifications: what a person should know about, until read.

Minimal for now (an article revision that moved or orphaned someone's annotations);
the inbox that lists and marks them read is issue 15's. Notifications are addressed to
one person and are not shared work, so they have no revision history.
"""

from annotator.models import Notification


def notify(*, user_id: int, kind: str, text: str, article=None, annotation=None) -> Notification:
    """Tell the person `user_id` something. Preconditions: `kind` is a Notification.Kind
    value; the caller is inside the transaction of the write this is about."""
    return Notification.objects.create(
        user_id=user_id, kind=kind, text=text, article=article, annotation=annotation
    )
