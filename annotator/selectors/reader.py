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

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, Max, Q
from django.utils.html import json_script

from annotator.models import AGREED, Annotation, Review, Tag
from annotator.rendering import Span, render_text
from annotator.selectors.filters import NEEDS_MY_REVIEW, STATUS_CHOICES, AnnotationFilter
from articles.models import Article

# The sidebar lists this many annotations at a time; "Show more" loads the next ones
# (and a highlight beyond them loads up to it). Fifty keep the page small however many
# annotations the text holds.
LIST_PAGE = 50
UNDERLINE_STYLES = ["solid", "dashed", "dotted", "double", "wavy"]
# The reader filters by these; `article` is the page itself and `since` is for the API.
READER_FILTERS = ("tag", "author", "status")
STATUSES = [s.value for s in Annotation.Status]
# Full rows of the sidebar's items.
ITEM_FIELDS = ["article_id", "author_id", "tag_id", "start", "end", "quote", "note", "version",
               "created", "modified", "deleted_at", "settled_tag_id", "anchor",
               "imported_from"]  # fmt: skip


@dataclass(frozen=True)
class PersonProgress:
    username: str
    statuses: dict  # Annotation.Status value -> number of this person's annotations
    verdicts: int  # verdicts on the current version of others' annotations

    @property
    def annotations(self) -> int:
        return sum(self.statuses.values())


@dataclass(frozen=True)
class Progress:
    """How far an article's review has come."""

    statuses: dict  # Annotation.Status value -> number of live annotations
    people: list[PersonProgress]
    left_for_me: int  # others' annotations the person looking has yet to judge

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def reviewed(self) -> int:
        return self.total - self.statuses[Annotation.Status.PENDING]

    def bar(self, width: int = 520) -> list[dict]:
        """Segments of a bar: settled, accepted, disputed, pending, each its share."""
        segments, x = [], 0.0
        for status in PROGRESS_ORDER:
            n = self.statuses[status]
            if n:
                w = width * n / self.total
                segments.append({"status": status, "x": x, "w": w, "n": n})
                x += w
        return segments


@dataclass(frozen=True)
class ArticleRow:
    article: Article
    counts: list  # [(tag, number of live annotations)]
    last_activity: object
    export_query: str
    progress: Progress


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
    moved: bool = False  # carried by an article revision with its words changed: to check

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.start, self.end, self.id)


PROGRESS_ORDER = [
    Annotation.Status.SETTLED,
    Annotation.Status.ACCEPTED,
    Annotation.Status.DISPUTED,
    Annotation.Status.PENDING,
]


def _progress(user) -> dict[int, Progress]:
    """Each article's review progress, per status and per person, in four queries
    however many articles, people and annotations there are."""
    by_author = (
        Annotation.objects.live()
        .with_status()
        .order_by()
        .values_list("article_id", "author_id", "review_status")
        .annotate(n=Count("id"))
    )
    verdicts = (
        Review.objects.filter(
            annotation__deleted_at__isnull=True, claim_version=F("annotation__claim_version")
        )
        .order_by()
        .values_list("annotation__article_id", "reviewer_id")
        .annotate(n=Count("id"))
    )
    left = dict(
        Annotation.objects.needs_review_by(user)
        .order_by()
        .values_list("article_id")
        .annotate(n=Count("id"))
    )
    statuses: dict[int, Counter] = {}
    people: dict[int, dict[int, list]] = {}
    for article_id, author_id, status, n in by_author:
        statuses.setdefault(article_id, Counter())[status] += n
        person = people.setdefault(article_id, {}).setdefault(author_id, [Counter(), 0])
        person[0][status] += n
    for article_id, reviewer_id, n in verdicts:
        people.setdefault(article_id, {}).setdefault(reviewer_id, [Counter(), 0])[1] += n
    names = dict(
        get_user_model()
        .objects.filter(pk__in={pk for found in people.values() for pk in found})
        .values_list("pk", "username")
    )
    empty = dict.fromkeys(Annotation.Status.values, 0)
    return {
        article_id: Progress(
            statuses=empty | dict(statuses.get(article_id, {})),
            people=sorted(
                (
                    PersonProgress(names[pk], empty | dict(counts), given)
                    for pk, (counts, given) in found.items()
                ),
                key=lambda p: p.username,
            ),
            left_for_me=left.get(article_id, 0),
        )
        for article_id, found in people.items()
    }


def article_rows(user) -> tuple[list[ArticleRow], list[Tag]]:
    """Every article, newest first, with its counts per tag, contributors, last
    activity and review progress (for `user`): seven queries."""
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
    progress = _progress(user)
    none = Progress(dict.fromkeys(Annotation.Status.values, 0), [], 0)
    rows = [
        ArticleRow(
            article=article,
            counts=[(tag, per_tag.get((article.pk, tag.key), 0)) for tag in tags],
            last_activity=max(filter(None, [article.last_annotated, article.modified])),
            export_query=urlencode({"article": article.slug}),
            progress=progress.get(article.pk, none),
        )
        for article in articles
    ]
    return rows, tags


def reader_rows(article: Article, user) -> list[Row]:
    """Every live annotation of `article` in text order, with its status and whether
    `user` has judged its current claim: two queries, a few columns each, however many
    there are. The status follows AnnotationQuerySet.with_status(): only verdicts on
    the current claim version count, and a settlement of the current claim wins."""
    agree, disagree, mine = set(), set(), set()
    reviews = (
        Review.objects.filter(
            annotation__article=article,
            annotation__deleted_at__isnull=True,
            claim_version=F("annotation__claim_version"),
        )
        .values_list("annotation_id", "verdict", "reviewer_id")
        .order_by()
    )
    for annotation_id, verdict, reviewer_id in reviews:
        (disagree if verdict == Review.Verdict.DISAGREE else agree).add(annotation_id)
        if reviewer_id == user.pk:
            mine.add(annotation_id)
    status = Annotation.Status
    # Orphaned annotations are not on the text: they are listed under "anchors to check".
    rows = (
        Annotation.objects.for_article(article)
        .exclude(anchor=Annotation.Anchor.ORPHANED)
        .order_by("start", "end", "id")
        .values_list(
            "id",
            "start",
            "end",
            "tag_id",
            "author_id",
            "claim_version",
            "settled_claim_version",
            "anchor",
        )
    )
    return [
        Row(
            pk,
            start,
            end,
            tag_id,
            author_id,
            status.SETTLED
            if settled == claim
            else status.DISPUTED
            if pk in disagree
            else status.ACCEPTED
            if pk in agree
            else status.PENDING,
            pk in mine,
            anchor == Annotation.Anchor.MOVED,
        )
        for pk, start, end, tag_id, author_id, claim, settled, anchor in rows
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
        return (
            row.author_id != user.pk
            and not row.reviewed_by_me
            and row.status != Annotation.Status.SETTLED
        )
    if status == AGREED:
        return row.status in (Annotation.Status.ACCEPTED, Annotation.Status.SETTLED)
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
        .select_related("tag", "author", "settled_tag")
        .only(
            *ITEM_FIELDS,
            "tag__key",
            "tag__label",
            "tag__label_es",
            "author__username",
            "settled_tag__key",
            "settled_tag__label",
            "settled_tag__label_es",
        )
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
    spans = [Span(r.id, r.start, r.end, tag_by_id[r.tag_id].key, r.status, r.moved) for r in shown]
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
                # Seven numbers per annotation, in text order, flat: id, start (after the
                # previous start), length, tag index, author index, status index, reviewed
                # by me (0/1). Compact, since a big article has thousands.
                "rows": _packed(rows, tag_index, author_index, people),
                # Annotations a revision moved with their words changed (few): marked.
                "moved": [r.id for r in rows if r.moved],
            }
        ),
        **sidebar_page(shown, user, filters, end=end),
        **revision_notice(article, user),
    }


def revision_notice(article: Article, user) -> dict:
    """What the reader says about revisions ("revised on ..., N annotations to check")
    and whether `user` may edit the text: one query, only once the article was revised."""
    counts = {"total": 0, "mine": 0}
    if article.revised_at is not None:
        counts = (
            Annotation.objects.for_article(article)
            .exclude(anchor=Annotation.Anchor.EXACT)
            .aggregate(total=Count("id"), mine=Count("id", filter=Q(author_id=user.pk)))
        )
    return {
        "revised_at": article.revised_at,
        "to_check": counts["total"],
        "mine_to_check": counts["mine"],
        "can_revise": article.is_revisable_by(user),
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
    """Tags by status and verdicts per reviewer for `article`, in one query more. Only
    verdicts on the current version of an annotation count; the others are outdated."""
    by_tag = {tag.pk: Counter() for tag in tags}
    for r in rows:
        by_tag[r.tag_id][r.status] += 1
    verdicts: dict[str, Counter] = {}
    rows = Review.objects.filter(
        annotation__article=article, annotation__deleted_at__isnull=True
    ).values_list("reviewer__username", "verdict", "claim_version", "annotation__claim_version")
    for username, verdict, judged, current in rows:
        verdicts.setdefault(username, Counter())[verdict if judged == current else "outdated"] += 1
    return {
        "tag_rows": [(tag, [by_tag[tag.pk][s] for s in Annotation.Status.values]) for tag in tags],
        "reviewer_rows": [
            (name, counts["agree"], counts["disagree"], counts["outdated"])
            for name, counts in sorted(verdicts.items())
        ],
    }
