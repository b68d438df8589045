"""CSV: one annotation per row, for spreadsheets. The file starts with a UTF-8 byte
order mark: without it Excel reads the file in the system's code page and shows "Chávez"
as "ChÃ¡vez"; Python's csv (with utf-8-sig), LibreOffice and pandas skip it."""

import csv
import io
from collections.abc import Iterator

from annotator.formats.records import records

CONTENT_TYPE = "text/csv; charset=utf-8"
SUFFIX = ".csv"
BOM = "\ufeff"
COLUMNS = [
    "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note",
    "author", "status", "final_tag", "settled", "settled_by", "settled_reason",
    "anchor", "revision", "version", "claim_version", "created", "modified",
    "imported_from",
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

    yield BOM + line(COLUMNS)
    # Plain values a chunk at a time (records()), not model instances: flat memory.
    for record in records(queryset, reviews=False):
        settlement = record["settlement"] if record["settled"] else None
        record["settled_by"] = settlement["by"] if settlement else ""
        record["settled_reason"] = settlement["reason"] if settlement else ""
        record["final_tag"] = record["final_tag"] or ""
        record["settled"] = "yes" if record["settled"] else "no"
        yield line([spreadsheet_safe(record[column]) for column in COLUMNS])
