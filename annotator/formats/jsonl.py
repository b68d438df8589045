"""JSON Lines: one annotation per line with every field, its verdicts and comment count."""

from collections.abc import Iterator

from annotator.formats.records import jsonl_lines

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
SUFFIX = ".jsonl"


def export(queryset, base_url: str) -> Iterator[str]:
    return jsonl_lines(queryset)
