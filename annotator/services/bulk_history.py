"""History rows for bulk writes, copied from the rows as written.

A revision moves thousands of annotations at once. Django's bulk_update builds a CASE
expression per field and row (about 9 s for 2,000 annotations on this machine) and
django-simple-history's bulk_history_create a model instance per row (about 1 s), so
the revising service updates in set-based statements and then records one history row
per changed annotation with `record_history`: INSERT ... SELECT from the table itself,
so each history row is exactly the row as written, in one statement per 2,000 rows.

scripts/check_history_writes.py allows a QuerySet.update() only in a function that
also calls record_history.
"""

import functools
import inspect
from datetime import datetime

from django.db import connection

CHUNK = 2000


@functools.cache
def history_model(model):
    """The history model django-simple-history made for `model`. (Reading
    `model.history` builds a new manager class each time: a few hundred microseconds,
    a tenth of a create's CPU.)"""
    return inspect.getattr_static(model, model._meta.simple_history_manager_attribute).model


def record_history(
    model, ids, *, user, reason: str | None, date: datetime, history_type: str = "~"
) -> int:
    """Write a "changed" history row (`history_type` "+" for rows just created) for each
    row of `model` whose id is in `ids`, as it is now, by `user` at `date` with `reason`
    (at most 100 characters, or None). Returns how many.

    Preconditions: inside the transaction that changed the rows; `model` is tracked by
    django-simple-history without extra history fields.
    """
    ids = list(ids)
    if not ids:
        return 0
    history = history_model(model)
    quote = connection.ops.quote_name
    columns = [field.column for field in history.tracked_fields]
    tracked = ", ".join(quote(c) for c in columns)
    extra = ", ".join(
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_user", "history_change_reason", "history_type")
    )
    stamp = connection.ops.adapt_datetimefield_value(date)
    written = 0
    with connection.cursor() as cursor:
        for at in range(0, len(ids), CHUNK):
            chunk = ids[at : at + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({tracked}, {extra}) "  # noqa: S608 - names from the models, values as parameters
                f"SELECT {tracked}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({marks})",
                [stamp, getattr(user, "pk", None), reason and reason[:100], history_type, *chunk],
            )
            written += cursor.rowcount
    return written


def update_with_history(model, objects, fields: list[str], *, user, date: datetime) -> None:
    """Save `fields` of each of `objects` (one UPDATE by primary key, sent for all rows
    at once with executemany: psycopg pipelines it into one round trip), then record a
    history row for each, grouped by the object's `_change_reason`.

    For the few dozen rows a revision rewrites: Django's bulk_update takes about 2 ms
    a row on this machine, this a small fraction of that."""
    objects = list(objects)
    if not objects:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    by_reason: dict[str, list[int]] = {}
    for obj in objects:
        by_reason.setdefault(getattr(obj, "_change_reason", "") or "changed", []).append(obj.pk)
    for reason, ids in by_reason.items():
        record_history(model, ids, user=user, reason=reason, date=date)


def created_with_history_ctes(
    obj, *, user, date: datetime, when: str = "TRUE", when_params=()
) -> tuple[str, list]:
    """Two common table expressions for a PostgreSQL statement of the caller's: `made`,
    the INSERT of the new `obj` (RETURNING *) if the SQL condition `when` holds, and
    `made_history`, its "created" history row (by `user`, at `date`), so a write and
    its revision leave in one statement. Returns the SQL (to follow WITH) and its
    parameters; `when_params` are `when`'s. Sets `obj`'s auto_now fields to `date`.
    Instead of Model.save() and django-simple-history's post_save, which cost the
    create endpoint a round trip and about a fifth of its CPU.

    Preconditions: inside the transaction of the write; `obj` was never saved; its
    model is tracked by django-simple-history without extra history fields."""
    model = type(obj)
    meta, history = model._meta, history_model(model)
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            setattr(obj, field.attname, date)
    values = [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
    columns = ", ".join(quote(field.column) for field in fields)
    tracked = ", ".join(quote(field.column) for field in history.tracked_fields)
    extra = ", ".join(
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_user", "history_change_reason", "history_type")
    )
    marks = ", ".join(["%s"] * len(values))
    sql = (
        f"made AS (INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {marks} "  # noqa: S608 - names from the models, values as parameters
        f"WHERE {when} RETURNING *), "
        f"made_history AS (INSERT INTO {quote(history._meta.db_table)} ({tracked}, {extra}) "
        f"SELECT {tracked}, %s, %s, NULL, '+' FROM made)"
    )
    stamp = connection.ops.adapt_datetimefield_value(date)
    return sql, [*values, *when_params, stamp, getattr(user, "pk", None)]
