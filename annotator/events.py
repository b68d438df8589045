"""The change feed: every committed write becomes an Event that names what changed.

Services call `record(...)` inside their transaction, after the change itself, so an
event exists exactly when its change was committed. Readers receive the events of the
article they have open over Server-Sent Events (annotator.live) and apply each one as a
small delta; the payload holds what a reader needs for that, and nothing personal.

Ordering: within one article, event ids are in commit order. On PostgreSQL `record`
takes a transaction-scoped advisory lock on the article before the row gets its id, so
a later id can never commit before an earlier one of the same article; a reader that
has seen id N may ask for "everything after N" and miss nothing. (SQLite runs one
writing transaction at a time anyway.)

Delivery: on PostgreSQL, `NOTIFY claimmark_events, '<id>'` in the same transaction,
which the database delivers to every server process's listener on commit and never
for a rollback. Elsewhere (SQLite, one process) the rows go to the in-process hub
through `transaction.on_commit`. Either way this module only announces; annotator.live
fans out.
"""

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from annotator.models import Annotation, Comment, Event, Review

CHANNEL = "claimmark_events"
# The first key of PostgreSQL's two-key advisory locks taken here: article feeds. Any
# constant works; this one spells "cm".
_FEED_LOCK = 0x636D

# Callables given the committed events when there is no database notification (SQLite).
LOCAL_LISTENERS: list[Callable[[list[Event]], None]] = []

_batch: contextvars.ContextVar[set | None] = contextvars.ContextVar("event_batch", default=None)


def record(
    kind: str,
    *,
    payload: dict,
    article_id: int | None = None,
    recipient_id: int | None = None,
    object_id: int | None = None,
    actor=None,
) -> Event | None:
    """Record that `kind` happened (e.g. "annotation.created"), for the readers of
    `article_id` or for the person `recipient_id`. Call it inside the transaction of
    the change, after the change. Inside `batched()`, article events are gathered into
    one "article.changed" per article instead."""
    if article_id is not None and gathered(article_id):
        return None
    actor = actor if getattr(actor, "pk", None) else None
    if connection.vendor == "postgresql":
        return _record_postgresql(kind, payload, article_id, recipient_id, object_id, actor)
    event = Event.objects.create(
        kind=kind,
        article_id=article_id,
        recipient_id=recipient_id,
        object_id=object_id,
        actor=actor,
        payload=payload,
    )
    _announce(event)
    return event


def _record_postgresql(kind, payload, article_id, recipient_id, object_id, actor) -> Event:
    """The article's feed lock, the row and its NOTIFY in one statement (one round trip
    instead of three on every write)."""
    event = Event(
        kind=kind,
        article_id=article_id,
        recipient_id=recipient_id,
        object_id=object_id,
        actor=actor,
        payload=payload,
        created=timezone.now(),
    )
    ctes, params = event_ctes(event)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {ctes} SELECT id, pg_notify(%s, id::text) FROM made_event",  # noqa: S608 - no input in the text
            [*params, CHANNEL],
        )
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    return event


def event_ctes(event: Event, *, source: str | None = None) -> tuple[str, list]:
    """Common table expressions for a PostgreSQL statement: `feed`, the article's feed
    lock, and `made_event`, the INSERT of `event` (RETURNING id), which the caller
    follows with `pg_notify(%s, id::text)` on CHANNEL. The INSERT reads from the lock's
    row, so the id is drawn only once the lock is held: ids of one article stay in commit
    order.

    With `source`, the name of an earlier CTE of just-written annotation rows (RETURNING
    *), the event is recorded once per row of it, for its id: `object_id` is that id and
    the payload gains it under "id" (a create writes its row and its event in one
    statement). Returns the SQL (to follow WITH) and its parameters."""
    meta = Event._meta
    quote = connection.ops.quote_name
    names = ["article", "recipient", "kind", "object_id", "actor", "created", "payload"]
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(quote(field.column) for field in fields)
    values = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    marks = ["%s"] * len(values)
    tables = "feed"
    if source is not None:
        marks[names.index("object_id")] = f"{source}.id"
        marks[names.index("payload")] = f"%s || jsonb_build_object('id', {source}.id)"
        values.pop(names.index("object_id"))
        tables = f"{source}, feed"
    if event.article_id is not None:
        rows = f" FROM {source}" if source else ""
        lock = f"SELECT pg_advisory_xact_lock(%s, %s){rows}"  # noqa: S608 - a CTE's name
        lock_params = [_FEED_LOCK, event.article_id % 2**31]
    else:
        lock, lock_params = "SELECT 1", []
    # Names from the model and the caller's CTE; the values go as parameters.
    sql = (
        f"feed AS ({lock}), "  # noqa: S608
        f"made_event AS (INSERT INTO {quote(meta.db_table)} ({columns}) "
        f"SELECT {', '.join(marks)} FROM {tables} RETURNING id)"
    )
    return sql, [*lock_params, *values]


def gathering() -> bool:
    """Whether this is inside `batched()` (a write then calls `gathered` instead of
    recording an event)."""
    return _batch.get() is not None


def gathered(article_id: int) -> bool:
    """Inside `batched()`: note that `article_id` changed and say so (True); the caller
    then records no event of its own."""
    batch = _batch.get()
    if batch is None:
        return False
    batch.add(article_id)
    return True


def _announce(event: Event) -> None:
    transaction.on_commit(lambda: _wake_local([event]))


def _wake_local(events: list[Event]) -> None:
    for listener in list(LOCAL_LISTENERS):
        listener(events)


@contextmanager
def batched(*, actor=None, reason: str = "import") -> Iterator[None]:
    """Within the block, annotation, comment and verdict events are not recorded one
    by one; at its end, each touched article gets one "article.changed" event, which
    makes its readers reload (a bulk import of thousands of rows). Use it inside the
    transaction of the writes."""
    token = _batch.set(set())
    try:
        yield
        touched = _batch.get()
    finally:
        _batch.reset(token)
    # In id order, so two batches never wait on each other's article locks in a cycle.
    for article_id in sorted(touched):
        record("article.changed", article_id=article_id, actor=actor, payload={"reason": reason})


def as_json(event: Event) -> dict:
    """An event as the stream sends it (and as a write's response returns it)."""
    actor = event.actor.username if event.actor_id else None
    return {
        "id": event.pk,
        "kind": event.kind,
        "actor": actor,
        "at": event.created.isoformat(),
        "data": event.payload,
    }


def prune(*, keep_days: int = 7) -> int:
    """Delete events older than `keep_days` days; returns how many. A reader that was
    away longer is told to reload (annotator.live.catch_up) instead of replaying."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = Event.objects.filter(created__lt=cutoff).delete()
    return deleted


# Payloads -----------------------------------------------------------------------------


def annotation_state(annotation_id: int) -> tuple[str, int]:
    """(status, live comment count) of an annotation, in one query."""
    return (
        Annotation.objects.filter(pk=annotation_id)
        .with_status()
        .with_comment_count()
        .values_list("review_status", "comment_count")
        .get()
    )


def annotation_payload(annotation: Annotation, *, status=None, comments=None) -> dict:
    """What a reader needs to draw an annotation and its sidebar item."""
    if status is None or comments is None:
        status, comments = annotation_state(annotation.pk)
    return {
        "id": annotation.pk,
        "start": annotation.start,
        "end": annotation.end,
        "tag": annotation.tag.key,
        "author": annotation.author.username,
        "note": annotation.note,
        "quote": annotation.short_quote,
        "version": annotation.version,
        "status": status,
        "comments": comments,
        "created": annotation.created.isoformat(),
        "modified": annotation.modified.isoformat(),
        "deleted": annotation.is_deleted,
        "anchor": annotation.anchor,
    }


def annotation_changed(kind: str, annotation: Annotation, actor, **extra) -> Event | None:
    """annotation.created / .changed / .deleted / .restored, with the annotation's state."""
    status = comments = None
    if kind == "annotation.created":
        status, comments = Annotation.Status.PENDING, 0
    payload = annotation_payload(annotation, status=status, comments=comments) | extra
    return record(
        kind,
        article_id=annotation.article_id,
        object_id=annotation.pk,
        actor=actor,
        payload=payload,
    )


def comment_changed(kind: str, comment: Comment, actor) -> Event | None:
    """comment.created / .changed / .deleted / .restored, with the thread's new count."""
    annotation = comment.annotation
    live = Comment.objects.filter(annotation_id=annotation.pk, deleted_at__isnull=True).count()
    return record(
        kind,
        article_id=annotation.article_id,
        object_id=comment.pk,
        actor=actor,
        payload={
            "annotation": annotation.pk,
            "comment": comment.pk,
            "parent": comment.parent_id,
            "author": comment.author.username,
            "comments": live,
        },
    )


def review_changed(
    kind: str, review: Review, actor, *, was_verdict: str | None, was_status: str
) -> Event | None:
    """review.created / .changed, with the annotation's status before and after."""
    annotation = review.annotation
    status, _ = annotation_state(annotation.pk)
    return record(
        kind,
        article_id=annotation.article_id,
        object_id=review.pk,
        actor=actor,
        payload={
            "annotation": annotation.pk,
            "tag": annotation.tag.key,
            "reviewer": review.reviewer.username,
            "verdict": review.verdict,
            "was_verdict": was_verdict,
            "status": status,
            "was_status": was_status,
        },
    )


def badge_changed(user_ids) -> None:
    """The unread count of these people may have changed; each one's pages recount."""
    for user_id in sorted(set(user_ids)):
        record("badge.changed", recipient_id=user_id, payload={})
