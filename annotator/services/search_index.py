"""Keeping search's documents current (PostgreSQL): after a write to an annotation, a
comment or a verdict, the annotation's SearchDocument is computed again in one
statement, in the same transaction as the write.

The document is the annotation's quote, note and settlement reason, its live comments
and its verdicts' reasons, as a tsvector in its article's text search configuration
(models.search_config, written out in SQL below). On SQLite there is nothing to keep:
search reads the rows.
"""

from django.db import connection

from annotator.models import Annotation, Comment, Review, SearchDocument
from articles.models import Article

# The configuration of an article's language, as SQL over the article row `{table}`
# (models.search_config says the same in Python). The constants are regconfig literals,
# so the expression stays immutable and an index can hold it.
CONFIG_SQL = (
    "CASE WHEN lower({table}.language) LIKE 'es%%' THEN 'spanish'::regconfig "
    "WHEN lower({table}.language) LIKE 'en%%' THEN 'english'::regconfig "
    "ELSE 'simple'::regconfig END"
)


def _refresh_sql(where: str, source: str = Annotation._meta.db_table) -> str:
    """The upsert of the documents of the annotations of `source` (the table, or a CTE of
    annotation rows just written: annotator.services.annotations) that match `where`."""
    config = CONFIG_SQL.format(table="ar")
    # Table names and constants only; the ids go as parameters.
    return f"""
        INSERT INTO {SearchDocument._meta.db_table} (annotation_id, config, document)
        SELECT a.id, ({config})::text,
               to_tsvector({config},
                   a.quote || ' ' || a.note || ' ' || a.settled_reason || ' ' ||
                   coalesce((SELECT string_agg(c.body, ' ') FROM {Comment._meta.db_table} c
                             WHERE c.annotation_id = a.id AND c.deleted_at IS NULL), '')
                   || ' ' ||
                   coalesce((SELECT string_agg(r.comment, ' ') FROM {Review._meta.db_table} r
                             WHERE r.annotation_id = a.id), ''))
        FROM {source} a
        JOIN {Article._meta.db_table} ar ON ar.id = a.article_id
        WHERE {where}
        ON CONFLICT (annotation_id)
        DO UPDATE SET config = EXCLUDED.config, document = EXCLUDED.document
    """  # noqa: S608


def refresh_sql_for(source: str) -> str:
    """The document upsert for every annotation row of the CTE `source`, to put in the
    statement that writes them (no parameters)."""
    return _refresh_sql("TRUE", source=source)


def search_index_refresh(*, annotation_ids) -> None:
    """Compute the search documents of these annotations again. Preconditions: called
    inside the transaction of the write that changed them (quote, note, a comment or a
    verdict's reason); a no-op on databases without full-text search."""
    ids = sorted({int(pk) for pk in annotation_ids})
    if not ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_refresh_sql("a.id = ANY(%s)"), [ids])


def search_index_rebuild(*, article_ids=None) -> None:
    """Compute every search document again (of these articles' annotations, when given):
    after a bulk load, or an article's language changed."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if article_ids is None:
            cursor.execute(_refresh_sql("TRUE"), [])
        else:
            cursor.execute(_refresh_sql("a.article_id = ANY(%s)"), [sorted(article_ids)])
