"""JSON Lines: one annotation per line with every field, its verdicts and comment count."""

import json
from collections.abc import Iterator

from annotator.formats.records import annotation_record, rows

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
SUFFIX = ".jsonl"


def export(queryset, base_url: str) -> Iterator[str]:
    for annotation in rows(queryset, reviews=True):
        yield json.dumps(annotation_record(annotation), ensure_ascii=False) + "\n"
