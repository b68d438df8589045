"""CSV: one annotation per row, for spreadsheets."""

import csv
import io
from collections.abc import Iterator

from annotator.formats.records import annotation_record, rows

CONTENT_TYPE = "text/csv; charset=utf-8"
SUFFIX = ".csv"
COLUMNS = [
    "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note",
    "author", "status", "anchor", "revision", "version", "created", "modified",
]  # fmt: skip


def spreadsheet_safe(value):
    # A cell starting with = + - @ (or a tab or carriage return) runs as a formula in
    # spreadsheets; a leading apostrophe shows it as the text it is (OWASP's advice).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(queryset, base_url: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(COLUMNS)
    for annotation in rows(queryset, reviews=True):
        record = annotation_record(annotation)
        yield line([spreadsheet_safe(record[column]) for column in COLUMNS])
