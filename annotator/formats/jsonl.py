"""JSON Lines: one annotation per line with every field, its verdicts and comment count."""

import json
from collections.abc import Iterator

from annotator.formats.records import records

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
SUFFIX = ".jsonl"


def export(queryset, base_url: str) -> Iterator[str]:
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for record in records(queryset):
        yield dumps(record) + "\n"
