"""Label Studio JSON: a list of tasks, one per article, `{"data": {"text", "title", "slug",
"revision", "annotators"}, "annotations": [{"result": [...]}, ...]}`, with one annotation
per annotator (the i-th named by `data.annotators[i]`: Label Studio keeps a task's data
as it is, and refuses a `completed_by` naming someone it does not know).

Each result region is `{"id", "from_name": "label", "to_name": "text", "type": "labels",
"value": {"start", "end", "text", "labels": [tag]}}` and a note is a `textarea` region
with the same id (`from_name` "note"), as Label Studio writes a per-region TextArea.
`labeling_config()` is the project configuration those names match. Offsets are Unicode
code points, as Label Studio stores them for a Text tag. Orphaned annotations (whose
offsets index an older text) are left out, as in doccano."""

import json
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from django.utils.translation import gettext as _

from annotator.formats.records import (
    CHUNK_SIZE,
    ImportRecord,
    decode,
    fail,
    load_json,
    whole_number,
)
from annotator.models import Annotation, Tag
from articles.models import Article

CONTENT_TYPE = "application/json; charset=utf-8"
SUFFIX = ".labelstudio.json"
CONFIG_CONTENT_TYPE = "application/xml; charset=utf-8"
CONFIG_SUFFIX = ".labelstudio.xml"
TEXT_NAME = "text"  # the Text tag, and the task data key it shows
LABELS_NAME = "label"
NOTE_NAME = "note"
TITLE_FROM_TEXT = 80  # characters of a task's first line that name a new article

FIELDS = ("pk", "article_id", "author__username", "start", "end", "quote", "tag__key", "note")


def labeling_config() -> str:
    """The Label Studio labeling configuration the export's names match: the text, one
    label per tag (with its colour and shortcut) and a note per region."""
    labels = "\n".join(
        f"    <Label value={quoteattr(tag.key)} background={quoteattr(tag.colour)}"
        + (f" hotkey={quoteattr(tag.shortcut)}" if tag.shortcut else "")
        + "/>"
        for tag in Tag.objects.order_by("order", "key")
    )
    return (
        "<View>\n"
        f'  <Labels name="{LABELS_NAME}" toName="{TEXT_NAME}">\n{labels}\n  </Labels>\n'
        f'  <Text name="{TEXT_NAME}" value="${TEXT_NAME}"/>\n'
        f'  <TextArea name="{NOTE_NAME}" toName="{TEXT_NAME}" perRegion="true"'
        ' editable="true" placeholder="Note (why this tag)"/>\n'
        "</View>\n"
    )


def _regions(pk: int, start: int, end: int, quote: str, tag: str, note: str) -> list[dict]:
    region = f"cm{pk}"
    span = {"start": start, "end": end, "text": quote}
    regions = [
        {
            "id": region, "from_name": LABELS_NAME, "to_name": TEXT_NAME, "type": "labels",
            "value": span | {"labels": [tag]},
        }
    ]  # fmt: skip
    if note:
        regions.append(
            {
                "id": region, "from_name": NOTE_NAME, "to_name": TEXT_NAME, "type": "textarea",
                "value": span | {"text": [note]},
            }
        )  # fmt: skip
    return regions


def export(queryset, base_url: str) -> Iterator[str]:
    # Written as read, ordered by article then annotator: a task's annotations stream,
    # and its data (which names the annotators) closes the task.
    placed = queryset.exclude(anchor=Annotation.Anchor.ORPHANED).order_by(
        "article_id", "author__username", "start", "end", "id"
    )
    yield "["
    article, author, authors = None, None, []
    for row in placed.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        pk, article_id, username, start, end, quote, tag, note = row
        if article is None or article_id != article.pk:
            if article is not None:
                yield "]}" + _task_tail(article, authors, base_url)
                yield ", "
            article = Article.objects.only("slug", "title", "text", "version").get(pk=article_id)
            author, authors = None, []
            yield f'{{"id": {article.pk}, "annotations": ['
        if username != author:
            if author is not None:
                yield "]}, "
            author = username
            authors.append(username)
            yield '{"ground_truth": false, "result": ['
        else:
            yield ", "
        regions = _regions(pk, start, end, quote, tag, note)
        yield ", ".join(json.dumps(region, ensure_ascii=False) for region in regions)
    if article is not None:
        yield "]}" + _task_tail(article, authors, base_url)
    yield "]\n"


def _task_tail(article: Article, authors: list[str], base_url: str) -> str:
    data = {
        TEXT_NAME: article.text,
        "title": article.title,
        "slug": article.slug,
        "revision": article.version,
        "source": f"{base_url}{article.get_absolute_url()}",
        "annotators": authors,
    }
    return '], "data": ' + json.dumps(data, ensure_ascii=False) + "}"


# Import ------------------------------------------------------------------------------------


def parse(data: bytes | str) -> list[ImportRecord]:
    """Records from Label Studio JSON tasks (its JSON export, or a file made for its
    import): every `labels` region of every annotation that was not cancelled; the
    article is found by its text or created from `data.title`."""
    document = load_json(decode(data), "document")
    tasks = document if isinstance(document, list) else [document]
    records = []
    for number, task in enumerate(tasks, start=1):
        where = f"task {number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise fail(where, _('each task must be a JSON object with "data" and "annotations".'))
        data = task["data"]
        text = data.get(TEXT_NAME)
        if not isinstance(text, str):
            raise fail(
                where, _("\"data\" needs the article's text as \"%(name)s\".") % {"name": TEXT_NAME}
            )
        title = data.get("title") if isinstance(data.get("title"), str) else ""
        if not title.strip():
            # Tasks made in Label Studio carry only the text: name a new article after
            # its first line rather than refuse it.
            title = next((line.strip() for line in text.splitlines() if line.strip()), "")
            title = title[:TITLE_FROM_TEXT] + ("…" if len(title) > TITLE_FROM_TEXT else "")
        slug = data.get("slug") if isinstance(data.get("slug"), str) else ""
        revision = data.get("revision")
        if revision is not None and (
            isinstance(revision, bool) or not isinstance(revision, int) or revision < 1
        ):
            raise fail(
                where,
                _('"revision" must be a revision number, not %(value)s.')
                % {"value": repr(revision)},
            )
        annotations = task.get("annotations", task.get("completions", []))
        if not isinstance(annotations, list):
            raise fail(where, _('"annotations" must be a list.'))
        for index, annotation in enumerate(annotations, start=1):
            where_annotation = f"{where}, annotation {index}"
            if not isinstance(annotation, dict) or not isinstance(annotation.get("result"), list):
                raise fail(where_annotation, _('an annotation must have a "result" list.'))
            if annotation.get("was_cancelled"):
                continue
            for span in _spans(annotation["result"], where_annotation):
                records.append(
                    ImportRecord(
                        span["where"], span["start"], span["end"], span["tag"],
                        note=span["note"], quote=span["quote"], text=text, title=title,
                        slug=slug, revision=revision,
                    )
                )  # fmt: skip
    return records


def _spans(result: list, where: str) -> Iterator[dict]:
    """One span per label of each `labels` region, with the note of its textarea."""
    notes: dict[str, str] = {}
    for region in result:
        if isinstance(region, dict) and region.get("type") == "textarea":
            value = region.get("value")
            lines = value.get("text") if isinstance(value, dict) else None
            if isinstance(lines, str):
                lines = [lines]
            if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
                raise fail(f"{where}, region {region.get('id')!r}", _("its note must be text."))
            notes[str(region.get("id"))] = "\n".join(lines)
    for number, region in enumerate(result, start=1):
        if not isinstance(region, dict):
            raise fail(f"{where}, region {number}", _("a region must be a JSON object."))
        if region.get("type") != "labels":
            continue  # notes above; other controls (choices, ratings) are not ours
        where_region = f"{where}, region {region.get('id') or number}"
        value = region.get("value")
        labels = value.get("labels") if isinstance(value, dict) else None
        if (
            not isinstance(labels, list)
            or not labels
            or not all(isinstance(label, str) for label in labels)
        ):
            raise fail(where_region, _('a labels region needs "value" with "labels": [tag].'))
        quote = value.get("text")
        if quote is not None and not isinstance(quote, str):
            raise fail(where_region, _("its text must be the words it marks."))
        for label in labels:
            yield {
                "where": where_region,
                "start": whole_number(value.get("start"), "start", where_region),
                "end": whole_number(value.get("end"), "end", where_region),
                "tag": label.lower(),
                "note": notes.get(str(region.get("id")), ""),
                "quote": quote,
            }
