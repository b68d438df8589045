"""Reads for the article list and the reader: counts, the highlighted text, the sidebar
and the review summary, each in a constant number of queries however many annotations
an article holds."""

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, Q

from annotator.models import Annotation, Review, Tag
from annotator.rendering import render_text
from annotator.selectors.filters import NEEDS_MY_REVIEW, STATUS_CHOICES, AnnotationFilter
from articles.models import Article

# The sidebar lists this many annotations at a time; "Show more" loads the next ones.
LIST_PAGE = 100
UNDERLINE_STYLES = ["u-solid", "u-dashed", "u-dotted", "u-double", "u-wavy"]
# The reader shows thousands of annotations; load only what it renders.
READER_FIELDS = [
    "article_id", "author_id", "tag_id", "start", "end", "quote", "note", "version",
    "claim_version", "settled_tag_id", "settled_claim_version", "modified", "deleted_at",
    "anchor",
]  # fmt: skip
# The reader filters by these; `article` is the page itself and `since` is for the API.
READER_FILTERS = ("tag", "author", "status")


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


def _reader_annotations(article: Article, user, tags) -> list[Annotation]:
    """All live annotations of `article` placed on its text (orphaned ones are listed
    under "anchors to check" instead), in text order, with status, comment count and
    whether `user` reviewed them, in two queries however many there are."""
    annotations = list(
        Annotation.objects.for_article(article)
        .exclude(anchor=Annotation.Anchor.ORPHANED)
        .with_status()
        .with_comment_count()
        .only(*READER_FIELDS)
        .order_by("start", "end", "id")
    )
    # Tags and authors are few: fetch them once and set them on each row, rather than
    # joining them onto every row (building thousands of related objects dominated).
    tags_by_id = {tag.pk: tag for tag in tags}
    authors = get_user_model().objects.in_bulk({a.author_id for a in annotations})
    for a in annotations:
        a.tag = tags_by_id[a.tag_id]
        a.settled_tag = tags_by_id.get(a.settled_tag_id)
        a.author = authors[a.author_id]
    return annotations


def _filtered(article, annotations, params, user) -> tuple[list, dict, dict]:
    """The annotations that pass the reader's filters, the filters understood, and the
    errors of those that were not (left out, and said on the page)."""
    data = {name: params[name] for name in READER_FILTERS if params.get(name)}
    if not data:
        return annotations, {}, {}
    filterset = AnnotationFilter(
        data, queryset=Annotation.objects.for_article(article).order_by(), user=user
    )
    errors = {name: list(messages) for name, messages in filterset.errors.items()}
    active = filterset.active()
    if not active:
        return annotations, active, errors
    shown = set(filterset.qs.values_list("pk", flat=True))
    return [a for a in annotations if a.pk in shown], active, errors


def sidebar_page(shown: list, user, filters: dict, *, offset=0, through=None, end=None) -> dict:
    """One page of the sidebar list; `through` (an annotation id) extends the page so
    that it includes that annotation."""
    end = max(end or 0, offset + LIST_PAGE)
    if through is not None:
        index = next((i for i, a in enumerate(shown) if a.pk == through), None)
        if index is not None:
            end = max(end, index + 1)
    items = [SidebarItem(a, a.is_editable_by(user)) for a in shown[offset:end]]
    more = {**filters, "offset": end} if end < len(shown) else None
    return {
        "items": items,
        "more_query": urlencode(more) if more else "",
        "remaining": max(0, len(shown) - end),
    }


def sidebar_more(article: Article, user, params, *, offset: int, through=None) -> dict:
    """The sidebar's next page ("Show more"), without the rest of the reader."""
    tags = list(Tag.objects.all())
    annotations = _reader_annotations(article, user, tags)
    shown, filters, _ = _filtered(article, annotations, params, user)
    return {
        "article": article,
        **sidebar_page(shown, user, filters, offset=offset, through=through),
    }


def reader_context(article: Article, user, params, *, end: int = LIST_PAGE) -> dict:
    """Everything the reader shows for `user`, filtered by `params`, in a constant
    number of queries."""
    tags = list(Tag.objects.all())
    underline = {tag.pk: UNDERLINE_STYLES[i % len(UNDERLINE_STYLES)] for i, tag in enumerate(tags)}
    annotations = _reader_annotations(article, user, tags)
    shown, filters, errors = _filtered(article, annotations, params, user)
    counts = Counter(a.tag_id for a in annotations)
    return {
        "article": article,
        "tags": tags,
        "tag_rows": [(tag, underline[tag.pk], counts.get(tag.pk, 0)) for tag in tags],
        "shown_count": len(shown),
        "total": len(annotations),
        "authors": sorted({a.author.username for a in annotations}),
        "tag_filter": filters.get("tag", ""),
        "author_filter": filters.get("author", ""),
        "status_filter": filters.get("status", ""),
        "status_choices": STATUS_CHOICES,
        "is_filtered": bool(filters),
        "filter_errors": [m for messages in errors.values() for m in messages],
        "review": review_summary(article, annotations, tags),
        # The export takes the same filters, except "needs my review", which is personal.
        "export_query": urlencode(
            {"article": article.slug}
            | {k: v for k, v in filters.items() if (k, v) != ("status", NEEDS_MY_REVIEW)}
        ),
        "text_html": render_text(article.text, shown, underline),
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


def review_summary(article: Article, annotations, tags) -> dict:
    """Tags by status and verdicts per reviewer for `article`, in one query more. Only
    verdicts on the current version of an annotation count; the others are outdated."""
    by_tag = {tag.pk: Counter() for tag in tags}
    for a in annotations:
        by_tag[a.tag_id][a.status] += 1
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
