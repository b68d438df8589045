"""Export and import of annotations, a module per format family.

Exports are generators of text chunks over a chunked queryset iterator, so memory stays
flat however many annotations there are. Imports parse a whole file into records,
check every record, then write all of them or none (annotator.formats.records).
"""

from collections.abc import Callable, Iterable, Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from annotator.formats import csv, doccano, jsonl, labelstudio, w3c
from annotator.formats.records import ImportResult, export_queryset, import_records

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ImportResult",
    "content_type",
    "export_queryset",
    "export_stream",
    "import_records",
    "parse",
]

EXPORTERS = {
    "w3c": w3c, "jsonl": jsonl, "doccano": doccano, "csv": csv, "labelstudio": labelstudio,
}  # fmt: skip
EXPORT_FORMATS = list(EXPORTERS)
IMPORTERS = {"w3c": w3c, "doccano": doccano, "labelstudio": labelstudio, "jsonl": jsonl}
IMPORT_FORMATS = list(IMPORTERS)


def content_type(fmt: str) -> tuple[str, str]:
    """The content type and the file name suffix of an export format."""
    module = EXPORTERS[fmt]
    return module.CONTENT_TYPE, module.SUFFIX


def check_format(fmt: str, formats: list[str], what: str = "format") -> str:
    if fmt not in formats:
        raise ValidationError(
            _("Choose %(what)s: %(formats)s.") % {"what": what, "formats": ", ".join(formats)},
            code="format",
        )
    return fmt


def export_stream(
    fmt: str,
    queryset,
    *,
    base_url: str,
    export_id: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Text chunks of about 64 KB holding `queryset` in format `fmt`.

    `base_url` (scheme and host, no trailing slash) makes article and annotation URLs.
    """
    check_format(fmt, EXPORT_FORMATS, _("a format"))
    if fmt == "w3c":
        parts = w3c.export(queryset, base_url, export_id=export_id or f"{base_url}/api/export/")
    else:
        parts = EXPORTERS[fmt].export(queryset, base_url)
    return _buffered(parts, on_progress)


def parse(fmt: str, data: bytes | str):
    """The records of an import file in format `fmt` (IMPORT_FORMATS)."""
    check_format(fmt, IMPORT_FORMATS, _("an import format"))
    try:
        records = IMPORTERS[fmt].parse(data)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError):
        # A shape no check above foresaw: still the file's fault, said as such.
        raise ValidationError(
            _(
                "The file is not in the shape of a %(format)s export, so it cannot be read. "
                "Nothing was imported."
            )
            % {"format": fmt},
            code="import_invalid",
        ) from None
    if not records:
        raise ValidationError(
            _("The file holds no annotations, so there is nothing to import."),
            code="import_empty",
        )
    return records


def _buffered(parts: Iterable[str], on_progress, size: int = 64 * 1024) -> Iterator[str]:
    buffer, length, count = [], 0, 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        count += 1
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
            if on_progress:
                on_progress(count)
    if buffer:
        yield "".join(buffer)
    if on_progress:
        on_progress(count)
