"""JSON Lines: one annotation per line with every field, its verdicts and comment count.
Importing reads `article` (its slug), `start`, `end`, `quote`, `tag`, `note` and
`revision` of each line; the rest (verdicts, dates) describes what was, not a write."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from annotator.formats.records import (
    ImportRecord,
    decode,
    fail,
    jsonl_lines,
    load_json,
    whole_number,
)
from articles.models import Article

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
SUFFIX = ".jsonl"


def export(queryset, base_url: str) -> Iterator[str]:
    return jsonl_lines(queryset)


def parse(data: bytes | str) -> list[ImportRecord]:
    """Records from our own JSON Lines; the article must be here (found by slug)."""
    records, articles = [], {}
    for number, line in enumerate(decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        row = load_json(line, where)
        if not isinstance(row, dict):
            raise fail(where, _("each line must be a JSON object (one annotation)."))
        slug, tag = row.get("article"), row.get("tag")
        if not isinstance(slug, str) or not slug:
            raise fail(where, _('"article" must be the slug of an article.'))
        if not isinstance(tag, str):
            raise fail(where, _('"tag" must be a tag such as "fact".'))
        if slug not in articles:
            articles[slug] = Article.objects.filter(slug=slug).first()
        if articles[slug] is None:
            raise fail(where, _("there is no article %(slug)s here.") % {"slug": repr(slug)})
        quote, note, revision = row.get("quote"), row.get("note") or "", row.get("revision")
        if quote is not None and not isinstance(quote, str):
            raise fail(where, _('"quote" must be the words the annotation marks.'))
        if revision is not None:
            revision = whole_number(revision, "revision", where)
        records.append(
            ImportRecord(
                where,
                whole_number(row.get("start"), "start", where),
                whole_number(row.get("end"), "end", where),
                tag.lower(),
                note=note,
                quote=quote,
                article=articles[slug],
                revision=revision,
            )
        )
    return records
