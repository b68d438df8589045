"""What importing a file would do, before anything is written: the articles it names (or
would create), the annotations it would create, those skipped as already here and those
refused, each with where it is in the file and why. The import page shows this, then
imports the records that passed (annotator.formats.records.import_records).

A file is read unit by unit (a line of JSON Lines, a Label Studio task, a W3C
annotation), so one bad unit is refused on its own instead of failing the file; only a
file that cannot be read at all (not UTF-8, not JSON) is refused as a whole."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from annotator.formats import doccano, jsonl, labelstudio, records, w3c
from annotator.formats.records import ImportRecord, decode, load_json
from annotator.models import Annotation, Tag
from annotator.services import revisions
from articles.models import Article

MODULES = {"w3c": w3c, "doccano": doccano, "labelstudio": labelstudio, "jsonl": jsonl}
# How each format names one unit in its messages ("line 3: ...").
UNITS = {"w3c": "annotation", "doccano": "line", "labelstudio": "task", "jsonl": "line"}
LABELS = {
    "w3c": "W3C Web Annotation (JSON-LD)",
    "doccano": "doccano (JSONL)",
    "labelstudio": "Label Studio tasks (JSON)",
    "jsonl": "Claimmark JSON Lines",
}


@dataclass
class Refused:
    where: str
    reason: str


@dataclass
class ArticlePlan:
    title: str
    article: Article | None = None  # None: the import creates it (from `text`)
    text: str | None = None
    create: int = 0
    skip: int = 0
    refuse: int = 0


@dataclass
class ImportPreview:
    fmt: str
    to_create: list[ImportRecord] = field(default_factory=list)
    skipped: list[Refused] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    articles: list[ArticlePlan] = field(default_factory=list)

    @property
    def format_label(self) -> str:
        return LABELS[self.fmt]

    @property
    def new_articles(self) -> int:
        return sum(1 for plan in self.articles if plan.article is None)


def detect(name: str, data: bytes) -> str:
    """The format of an import file, from its name and its first bytes; ValidationError
    when it is none of ours."""
    decode(data)  # a file that is not UTF-8 says so first
    head = data[:4096].decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    lower = name.lower()
    if lower.endswith((".jsonld", ".json-ld")) or '"AnnotationCollection"' in head:
        return "w3c"
    if lower.endswith(".labelstudio.json") or '"annotations"' in head or '"data"' in head:
        return "labelstudio"
    if lower.endswith(".doccano.jsonl") or re.search(r'"labels?"\s*:', head):
        return "doccano"
    if '"article"' in head and '"tag"' in head:
        return "jsonl"
    if '"type"' in head and '"Annotation' in head:
        return "w3c"
    raise ValidationError(
        _(
            "This file is not one of the formats this page reads (W3C Web Annotation, "
            "doccano JSONL, Label Studio JSON, Claimmark JSON Lines). Choose its format in "
            "the list."
        ),
        code="format",
    )


def _renumber(text: str, unit: str, number: int) -> str:
    return re.sub(rf"^{unit} 1\b", f"{unit} {number}", text)


def _refused(where: str, reason: str) -> Refused:
    """A refusal as the page lists it: the place in the reader's language, the reason
    as a sentence."""
    return Refused(records.place(where), reason[:1].upper() + reason[1:])


def _refusal(error: ValidationError, unit: str, number: int) -> Refused:
    if isinstance(error, records.RecordError):
        return _refused(_renumber(error.where, unit, number), error.reason)
    message = " ".join(error.messages).removesuffix(" " + _("Nothing was imported."))
    return _refused(f"{unit} {number}", message)


def _units(fmt: str, data: bytes) -> Iterator[tuple[int, str]]:
    """(number, text) of each unit of the file, as its format's parser reads one alone."""
    text = decode(data)
    if fmt in ("doccano", "jsonl"):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield number, line
        return
    document = load_json(text, "document")
    if fmt == "labelstudio":
        tasks = document if isinstance(document, list) else [document]
        for number, task in enumerate(tasks, start=1):
            yield number, json.dumps(task)
        return
    for number, item in enumerate(w3c.annotation_items(document), start=1):
        yield number, json.dumps(item)


def parse_units(fmt: str, data: bytes) -> tuple[list[ImportRecord], list[Refused]]:
    """The records of every readable unit, and a refusal for each unreadable one.
    Raises ValidationError only when the file as a whole cannot be read."""
    module, unit = MODULES[fmt], UNITS[fmt]
    found, refused = [], []
    for number, text in _units(fmt, data):
        try:
            parsed = module.parse(text)
        except ValidationError as error:
            refused.append(_refusal(error, unit, number))
            continue
        for record in parsed:
            record.where = _renumber(record.where, unit, number)
            found.append(record)
    return found, refused


def import_preview(fmt: str, data: bytes, *, actor) -> ImportPreview:
    """What importing `data` (format `fmt`) as `actor` would do; writes nothing.
    Raises ValidationError when the file cannot be read at all."""
    parsed, refused = parse_units(fmt, data)
    preview = ImportPreview(fmt, refused=refused)
    tag_keys = set(Tag.objects.values_list("key", flat=True))
    by_text: dict[str, Article | None] = {}
    named: dict[tuple, Article | None] = {}  # (slug, revision, text): one lookup per line
    for record in parsed:
        if record.article is None and record.revision is not None and record.slug:
            key = (record.slug, record.revision, record.text)
            if key not in named:
                records._earlier_revision(record)
                named[key] = record.article
            record.article = named[key]
        if record.article is None and record.text not in by_text:
            same = Article.objects.filter(text=record.text)
            by_text[record.text] = (
                same.filter(slug=record.slug).first() or same.order_by("created", "pk").first()
            )
    touched = {r.article.pk for r in parsed if r.article} | {
        a.pk for a in by_text.values() if a is not None
    }
    # The same rule as records._already_here: these words with this tag (its own or its
    # settled one), by anyone, are already here.
    here = Annotation.objects.live().filter(article_id__in=touched)
    existing = set(here.values_list("article_id", "start", "end", "tag__key")) | set(
        here.filter(settled_tag__isnull=False).values_list(
            "article_id", "start", "end", "settled_tag__key"
        )
    )
    plans: dict[object, ArticlePlan] = {}
    bases: dict[tuple[int, int], str] = {}
    for record in parsed:
        article = record.article or by_text.get(record.text)
        plan_key = article.pk if article else record.text
        plan = plans.setdefault(
            plan_key,
            ArticlePlan(
                title=article.title if article else record.title,
                article=article,
                text=None if article else record.text,
            ),
        )
        try:
            if article is not None and record.revision is not None:
                key = (article.pk, record.revision)
                if key not in bases:
                    bases[key] = revisions.revision_text(article, record.revision)
            records._check(record, tag_keys, by_text, bases)
        except ValidationError as error:
            preview.refused.append(_plain(error, record))
            plan.refuse += 1
            continue
        start, end = record.start, record.end
        if article is not None and record.revision not in (None, article.version):
            carried = revisions.carry_from(article, bases[article.pk, record.revision], start, end)
            if carried.anchor != Annotation.Anchor.ORPHANED:
                start, end = carried.start, carried.end
        key = (plan_key, start, end, record.tag)
        if key in existing:
            preview.skipped.append(
                _refused(record.where, _("These words already carry this tag."))
            )
            plan.skip += 1
            continue
        existing.add(key)
        preview.to_create.append(record)
        plan.create += 1
    preview.articles = list(plans.values())
    return preview


def _plain(error: ValidationError, record: ImportRecord) -> Refused:
    if isinstance(error, records.RecordError):
        return _refused(record.where, error.reason)
    return _refused(record.where, " ".join(error.messages))
