"""Reads for the article list and the reader: counts, the highlighted text, the sidebar
and the review summary, each in a constant number of queries however many annotations
an article holds.

The reader reads every annotation of the article as a few columns (no model objects),
looks tags and people up in small maps, and renders full items only for the sidebar's
page. The same rows, compacted, go to the page as its reader data, from which the page
script keeps counts, filters and highlights true as changes arrive live.
"""

import bisect
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max, Q
from django.utils.html import json_script

from annotator.models import Annotation, Review, Tag
from annotator.rendering import Span, render_text
from annotator.selectors.filters import NEEDS_MY_REVIEW, STATUS_CHOICES, AnnotationFilter
from articles.models import Article

# The sidebar lists this many annotations at a time; "Show more" loads the next ones.
LIST_PAGE = 100
UNDERLINE_STYLES = ["solid", "dashed", "dotted", "double", "wavy"]
# The reader filters by these; `article` is the page itself and `since` is for the API.
READER_FILTERS = ("tag", "author", "status")
STATUSES = [s.value for s in Annotation.Status]
# Full rows of the sidebar's items.
ITEM_FIELDS = ["article_id", "author_id", "tag_id", "start", "end", "quote", "note", "version",
               "created", "modified", "deleted_at"]  # fmt: skip


@dataclass(frozen=True)
class ArticleRow:
    article: Article
    counts: list  # [(tag, number of live annotations)]
    last_activity: object
    export_query: str


@dataclass(frozen=True)
class SidebarItem:
    annotation: Annotation
    can_edit: bool
    status: str


class _CompactJSON(DjangoJSONEncoder):
    item_separator = ","
    key_separator = ":"


@dataclass(frozen=True, slots=True)
class Row:
    """One live annotation as the reader needs it for highlights, counts and filters."""

    id: int
    start: int
    end: int
    tag_id: int
    author_id: int
    status: str
    reviewed_by_me: bool

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.start, self.end, self.id)


def article_rows() -> tuple[list[ArticleRow], list[Tag]]:
    """Every article, newest first, with its counts per tag, contributors and last
    activity: three queries."""
    live = Q(annotations__deleted_at__isnull=True)
    articles = Article.objects.annotate(
        annotation_count=Count("annotations", filter=live),
        contributor_count=Count("annotations__author", filter=live, distinct=True),
        last_annotated=Max("annotations__modified"),
    ).order_by("-created")
    per_tag = {
        (row["article_id"], row["tag__key"]): row["n"]
        for row in Annotation.objects.live()
        .values("article_id", "tag__key")
        .annotate(n=Count("id"))
        .order_by()
    }
    tags = list(Tag.objects.all())
    rows = [
        ArticleRow(
            article=article,
            counts=[(tag, per_tag.get((article.pk, tag.key), 0)) for tag in tags],
            last_activity=max(filter(None, [article.last_annotated, article.modified])),
            export_query=urlencode({"article": article.slug}),
        )
        for article in articles
    ]
    return rows, tags


def _status(agree: int, disagree: int) -> str:
    if disagree:
        return Annotation.Status.DISPUTED
    return Annotation.Status.ACCEPTED if agree else Annotation.Status.PENDING


def reader_rows(article: Article, user) -> list[Row]:
    """Every live annotation of `article` in text order, with its status and whether
    `user` reviewed them: two queries, a few columns each, however many there are."""
    agree, disagree, mine = set(), set(), set()
    reviews = (
        Review.objects.filter(annotation__article=article, annotation__deleted_at__isnull=True)
        .values_list("annotation_id", "verdict", "reviewer_id")
        .order_by()
    )
    for annotation_id, verdict, reviewer_id in reviews:
        (disagree if verdict == Review.Verdict.DISAGREE else agree).add(annotation_id)
        if reviewer_id == user.pk:
            mine.add(annotation_id)
    pending, accepted, disputed = STATUSES
    rows = (
        Annotation.objects.for_article(article)
        .order_by("start", "end", "id")
        .values_list("id", "start", "end", "tag_id", "author_id")
    )
    return [
        Row(
            pk,
            start,
            end,
            tag_id,
            author_id,
            disputed if pk in disagree else accepted if pk in agree else pending,
            pk in mine,
        )
        for pk, start, end, tag_id, author_id in rows
    ]


def _filters(article, params, user) -> tuple[dict, dict, dict]:
    """(filters understood as URL strings, their values as ids, errors of the rest)."""
    data = {name: params[name] for name in READER_FILTERS if params.get(name)}
    if not data:
        return {}, {}, {}
    filterset = AnnotationFilter(data, queryset=Annotation.objects.none(), user=user)
    errors = {name: list(messages) for name, messages in filterset.errors.items()}
    active = filterset.active()
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    values = {}
    if "tag" in active:
        values["tag_id"] = cleaned["tag"].pk
    if "author" in active:
        values["author_id"] = cleaned["author"].pk
    if "status" in active:
        values["status"] = active["status"]
    return active, values, errors


def passes(row: Row, values: dict, user) -> bool:
    """Whether `row` passes the reader's filters; static/js/reader.js says the same."""
    if "tag_id" in values and row.tag_id != values["tag_id"]:
        return False
    if "author_id" in values and row.author_id != values["author_id"]:
        return False
    status = values.get("status")
    if status == NEEDS_MY_REVIEW:
        return row.author_id != user.pk and not row.reviewed_by_me
    return status is None or row.status == status


def _page_end(shown: list[Row], *, offset: int, after, through, end) -> tuple[int, int]:
    """Where the sidebar page starts and ends in `shown`."""
    if after is not None:
        offset = bisect.bisect_right([r.key for r in shown], after)
    stop = max(end or 0, offset + LIST_PAGE)
    if through is not None:
        index = next((i for i, r in enumerate(shown) if r.id == through), None)
        if index is not None:
            stop = max(stop, index + 1)
    return offset, stop


def sidebar_page(
    shown: list[Row], user, filters: dict, *, offset=0, after=None, through=None, end=None
) -> dict:
    """One page of the sidebar list with full items (two queries); `after` (a
    start/end/id key) continues after that annotation, `through` (an id) extends the
    page to include that annotation."""
    offset, stop = _page_end(shown, offset=offset, after=after, through=through, end=end)
    page = shown[offset:stop]
    status = {r.id: r.status for r in page}
    annotations = {
        a.pk: a
        for a in Annotation.objects.filter(pk__in=list(status))
        .select_related("tag", "author")
        .only(*ITEM_FIELDS, "tag__key", "tag__label", "author__username")
        .with_comment_count()
    }
    items = []
    for row in page:
        a = annotations.get(row.id)
        if a is None:  # deleted between the two reads
            continue
        items.append(SidebarItem(a, a.is_editable_by(user), row.status))
    last = page[-1] if page else None
    more = None
    if stop < len(shown) and last is not None:
        more = {**filters, "after": f"{last.start}-{last.end}-{last.id}"}
    return {
        "items": items,
        "more_query": urlencode(more) if more else "",
        "remaining": max(0, len(shown) - stop),
    }


def parse_after(value: str | None):
    """A sidebar "after" key, "start-end-id", or None when absent or unreadable."""
    try:
        start, end, pk = (int(part) for part in (value or "").split("-"))
    except ValueError:
        return None
    return (start, end, pk)


def sidebar_more(article: Article, user, params, *, offset: int, after=None, through=None):
    """The sidebar's next page ("Show more"), without the rest of the reader."""
    rows = reader_rows(article, user)
    filters, values, _ = _filters(article, params, user)
    shown = [r for r in rows if passes(r, values, user)] if values else rows
    return {
        "article": article,
        **sidebar_page(shown, user, filters, offset=offset, after=after, through=through),
    }


def reader_context(article: Article, user, params, *, end: int = LIST_PAGE) -> dict:
    """Everything the reader shows for `user`, filtered by `params`, in a constant
    number of queries."""
    tags = list(Tag.objects.all())
    tag_by_id = {tag.pk: tag for tag in tags}
    underline = {tag.pk: UNDERLINE_STYLES[i % len(UNDERLINE_STYLES)] for i, tag in enumerate(tags)}
    rows = reader_rows(article, user)
    filters, values, errors = _filters(article, params, user)
    shown = [r for r in rows if passes(r, values, user)] if values else rows
    people = get_user_model().objects.in_bulk({r.author_id for r in rows} | {user.pk})
    counts = Counter(r.tag_id for r in rows)
    authors = sorted({people[r.author_id].username for r in rows})
    spans = [Span(r.id, r.start, r.end, tag_by_id[r.tag_id].key, r.status) for r in shown]
    tag_index = {tag.pk: i for i, tag in enumerate(tags)}
    author_index = {name: i for i, name in enumerate(authors)}
    return {
        "article": article,
        "tags": tags,
        "tag_rows": [(tag, underline[tag.pk], counts.get(tag.pk, 0)) for tag in tags],
        "shown_count": len(shown),
        "total": len(rows),
        "authors": authors,
        "tag_filter": filters.get("tag", ""),
        "author_filter": filters.get("author", ""),
        "status_filter": filters.get("status", ""),
        "status_choices": STATUS_CHOICES,
        "is_filtered": bool(filters),
        "filter_errors": [m for messages in errors.values() for m in messages],
        "review": review_summary(article, rows, tags),
        # The export takes the same filters, except "needs my review", which is personal.
        "export_query": urlencode(
            {"article": article.slug}
            | {k: v for k, v in filters.items() if (k, v) != ("status", NEEDS_MY_REVIEW)}
        ),
        "text_html": render_text(article.text, spans),
        # What the page script needs to keep the reader true as changes arrive.
        "reader_data": _json_script(
            {
                "tags": [tag.key for tag in tags],
                "authors": authors,
                "statuses": STATUSES,
                "me": user.username,
                "filters": filters,
                "time_zone": settings.TIME_ZONE,
                # Seven numbers per annotation, in text order, flat: id, start (after the
                # previous start), length, tag index, author index, status index, reviewed
                # by me (0/1). Compact, since a big article has thousands.
                "rows": _packed(rows, tag_index, author_index, people),
            }
        ),
        **sidebar_page(shown, user, filters, end=end),
    }


def _json_script(value) -> str:
    return json_script(value, "reader-data", encoder=_CompactJSON)


def _packed(rows: list[Row], tag_index, author_index, people) -> list[int]:
    packed, previous = [], 0
    for r in rows:
        packed += [
            r.id,
            r.start - previous,
            r.end - r.start,
            tag_index[r.tag_id],
            author_index[people[r.author_id].username],
            STATUSES.index(r.status),
            int(r.reviewed_by_me),
        ]
        previous = r.start
    return packed


def review_summary(article: Article, rows: list[Row], tags) -> dict:
    """Tags by status and verdicts per reviewer for `article`, in one query more."""
    by_tag = {tag.pk: Counter() for tag in tags}
    for r in rows:
        by_tag[r.tag_id][r.status] += 1
    verdicts: dict[str, Counter] = {}
    found = (
        Review.objects.filter(annotation__article=article, annotation__deleted_at__isnull=True)
        .values_list("reviewer__username", "verdict")
        .annotate(n=Count("id"))
        .order_by()
    )
    for username, verdict, n in found:
        verdicts.setdefault(username, Counter())[verdict] += n
    statuses = Annotation.Status
    return {
        "tag_rows": [
            (
                tag,
                [
                    by_tag[tag.pk][s]
                    for s in (statuses.PENDING, statuses.ACCEPTED, statuses.DISPUTED)
                ],
            )
            for tag in tags
        ],
        "reviewer_rows": [
            (name, counts["agree"], counts["disagree"]) for name, counts in sorted(verdicts.items())
        ],
    }
