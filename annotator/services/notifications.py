"""Notifications: what a person should know about, until read.

Mentions, replies to one's comments, verdicts on one's annotations, settlements of
disputes one took part in, and annotations to check after an article revision. Each is
written in the transaction of the write it is about, and the person's unread badge is
pushed live (events.badge_changed). An optional e-mail digest tells people with an
address of what they have not read (manage.py send_notification_digest). Notifications
are addressed to one person and are not shared work, so they have no revision history.
"""

import itertools
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from annotator import events
from annotator.models import Mention, Notification, Preference


def notify(
    *,
    user_id: int,
    kind: str,
    text: str | Callable[[], str],
    actor=None,
    article=None,
    annotation=None,
    comment=None,
    push: bool = True,
) -> Notification | None:
    """Tell the person `user_id` something; nobody is told of their own act (None).
    With `push`, their badge is recounted live; a caller that records the write's own
    event after this passes False and calls events.badge_changed after it, so readers
    see the change before the badge moves.

    A notification is kept as text, so it is written in its reader's language (their
    preference, else the site's): pass `text` as a function that returns the sentence,
    and it is called in that language.

    Preconditions: `kind` is a Notification.Kind value; the caller is inside the
    transaction of the write this is about."""
    if actor is not None and actor.pk == user_id:
        return None
    if callable(text):
        with translation.override(reader_language(user_id)):
            text = text()
    notification = Notification.objects.create(
        user_id=user_id,
        kind=kind,
        text=text,
        actor=actor,
        article=article or (annotation.article if annotation is not None else None),
        annotation=annotation,
        comment=comment,
    )
    if push:
        events.badge_changed([user_id])
    return notification


def reader_language(user_id: int) -> str:
    """The language a notification for `user_id` is written in: their preference, else
    the site's."""
    chosen = (
        Preference.objects.filter(user_id=user_id, language__gt="")
        .values_list("language", flat=True)
        .first()
    )
    return chosen or settings.LANGUAGE_CODE


def _mark_read(rows) -> int:
    count = 0
    for notification in rows:
        notification.is_read = True
        notification.save(update_fields=["is_read"])
        count += 1
    return count


@transaction.atomic
def notifications_mark_read(*, user, notification_ids=None) -> int:
    """Mark `user`'s unread notifications read (only those in `notification_ids`, when
    given); a mention's Mention row is marked read with it (with its history row).
    Returns how many notifications changed."""
    unread = Notification.objects.filter(user=user, is_read=False)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    rows = list(unread.select_for_update().only("pk", "kind", "comment_id", "is_read"))
    count = _mark_read(rows)
    comments = [n.comment_id for n in rows if n.kind == Notification.Kind.MENTION and n.comment_id]
    if comments:
        mentions = Mention.objects.filter(user=user, is_read=False, comment_id__in=comments)
        for mention in mentions.select_for_update():
            mention.is_read = True
            mention._history_user = user
            mention.save(update_fields=["is_read"])
    if count:
        events.badge_changed([user.pk])
    return count


def mention_notifications_mark_read(*, user, comment_ids) -> int:
    """The notifications of `user`'s mentions in these comments, marked read (when the
    Mentions page marks the mentions read). Preconditions: inside a transaction."""
    rows = Notification.objects.filter(
        user=user, is_read=False, kind=Notification.Kind.MENTION, comment_id__in=list(comment_ids)
    ).select_for_update()
    return _mark_read(rows)


def notification_digest_send(*, dry_run: bool = False) -> tuple[int, int]:
    """E-mail each active person with an address one digest of their unread
    notifications that no digest has told them of yet, through Django's e-mail backend
    (EMAIL_BACKEND; the console in development); then mark those notifications e-mailed.
    Returns (people, notifications). With `dry_run`, counts and sends nothing.

    Preconditions: none; safe to run from cron as often as wanted (a notification is
    e-mailed at most once). A failure to send leaves that person's notifications for
    the next run."""
    pending = (
        Notification.objects.filter(is_read=False, emailed_at__isnull=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "user__preference", "article")
        .defer("article__text")
        .order_by("user_id", "-created", "-id")
    )
    inbox_url = settings.SITE_URL + reverse("annotator:notification_list")
    people = told = 0
    by_person = itertools.groupby(pending.iterator(chunk_size=500), key=lambda n: n.user_id)
    for _user_id, group in by_person:
        rows = list(group)
        people += 1
        told += len(rows)
        if dry_run:
            continue
        person = rows[0].user
        # In the person's language: their preference, else the site's.
        preference = getattr(person, "preference", None)
        with translation.override((preference and preference.language) or settings.LANGUAGE_CODE):
            body = render_to_string(
                "annotator/email/digest.txt",
                {"person": person, "rows": rows, "inbox_url": inbox_url},
            )
            subject = ngettext(
                "Claimmark: %(count)s new notification",
                "Claimmark: %(count)s new notifications",
                len(rows),
            ) % {"count": len(rows)}
        send_mail(subject, body, None, [person.email])
        now = timezone.now()
        with transaction.atomic():
            for notification in rows:
                notification.emailed_at = now
                notification.save(update_fields=["emailed_at"])
    return people, told
