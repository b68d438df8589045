from collections import Counter
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from annotator.models import Annotation, Review, Tag
from articles import services
from articles.forms import ArticleForm
from articles.models import Article
from articles.rendering import render_text

# The sidebar lists this many annotations at a time; "Show more" loads the next ones.
LIST_PAGE = 100
UNDERLINE_STYLES = ["u-solid", "u-dashed", "u-dotted", "u-double", "u-wavy"]
# The reader shows thousands of annotations; load only what it renders.
READER_FIELDS = [
    "article_id",
    "author_id",
    "tag_id",
    "start",
    "end",
    "quote",
    "note",
    "version",
    "modified",
    "deleted_at",
]


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def article_list(request: HtmxHttpRequest):
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
    rows = []
    for article in articles:
        counts = [(tag, per_tag.get((article.pk, tag.key), 0)) for tag in tags]
        last = max(filter(None, [article.last_annotated, article.modified]))
        rows.append(
            {
                "article": article,
                "counts": counts,
                "last_activity": last,
                "export_query": urlencode({"article": article.slug}),
            }
        )
    return render(request, "articles/article_list.html", {"rows": rows, "tags": tags})


def _annotations(request: HtmxHttpRequest, article: Article, tags) -> tuple[list, list, dict]:
    """All live annotations of `article` in text order, those that pass the request's
    filters, and the filters themselves, in two queries however many there are."""
    my_review = Review.objects.filter(annotation=OuterRef("pk"), reviewer_id=request.user.pk)
    annotations = list(
        Annotation.objects.for_article(article)
        .with_status()
        .with_comment_count()
        .annotate(is_reviewed_by_me=Exists(my_review))
        .only(*READER_FIELDS)
        .order_by("start", "end", "id")
    )
    # Tags and authors are few: fetch them once and attach them, rather than joining
    # them onto every row (building thousands of related objects dominated the page).
    tags_by_id = {tag.pk: tag for tag in tags}
    authors = get_user_model().objects.in_bulk({a.author_id for a in annotations})
    for a in annotations:
        a.tag = tags_by_id[a.tag_id]
        a.author = authors[a.author_id]
    filters = {
        name: request.GET[name] for name in ("tag", "author", "status") if request.GET.get(name)
    }
    shown = [
        a
        for a in annotations
        if a.tag.key == filters.get("tag", a.tag.key)
        and a.author.username == filters.get("author", a.author.username)
        and _has_status(a, filters.get("status"), request.user)
    ]
    return annotations, shown, filters


def _list_page(
    request, shown: list, filters: dict, offset: int = 0, through=None, end=None
) -> dict:
    """One page of the sidebar list; `through` (an annotation id) extends the page so
    that it includes that annotation."""
    end = max(end or 0, offset + LIST_PAGE)
    if through is not None:
        index = next((i for i, a in enumerate(shown) if a.pk == through), None)
        if index is not None:
            end = max(end, index + 1)
    items = shown[offset:end]
    for a in items:
        a.can_edit = a.is_editable_by(request.user)
    more = {**filters, "offset": end} if end < len(shown) else None
    return {
        "items": items,
        "more_query": urlencode(more) if more else "",
        "remaining": max(0, len(shown) - end),
    }


def reader_context(request: HtmxHttpRequest, article: Article) -> dict:
    """Everything the reader shows, in a constant number of queries."""
    tags = list(Tag.objects.all())
    underline = {tag.pk: UNDERLINE_STYLES[i % len(UNDERLINE_STYLES)] for i, tag in enumerate(tags)}
    annotations, shown, filters = _annotations(request, article, tags)
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
        "status_choices": STATUS_FILTERS,
        "is_filtered": bool(filters),
        "review": review_summary(article, annotations, tags),
        # The export takes the same filters, except "needs my review", which is personal.
        "export_query": urlencode(
            {"article": article.slug}
            | {k: v for k, v in filters.items() if (k, v) != ("status", NEEDS_MY_REVIEW)}
        ),
        "text_html": render_text(article.text, shown, underline),
        # Without JavaScript, "Show more" reloads the page with a longer list.
        **_list_page(request, shown, filters, end=(_int_param(request, "offset") or 0) + LIST_PAGE),
    }


def _int_param(request, name: str) -> int | None:
    try:
        return max(0, int(request.GET[name]))
    except (KeyError, ValueError):
        return None


# Review status in the reader (issue 4) ---------------------------------------------------

NEEDS_MY_REVIEW = "needs-review"
STATUS_FILTERS = [*Annotation.Status.choices, (NEEDS_MY_REVIEW, "Needs my review")]


def _has_status(annotation, status: str | None, user) -> bool:
    if not status:
        return True
    if status == NEEDS_MY_REVIEW:
        return annotation.author_id != user.pk and not annotation.is_reviewed_by_me
    return annotation.status == status


def review_summary(article: Article, annotations, tags) -> dict:
    """Tags by status and verdicts per reviewer for `article`, in one query more."""
    by_tag = {tag.pk: Counter() for tag in tags}
    for a in annotations:
        by_tag[a.tag_id][a.status] += 1
    verdicts: dict[str, Counter] = {}
    rows = Review.objects.filter(
        annotation__article=article, annotation__deleted_at__isnull=True
    ).values_list("reviewer__username", "verdict")
    for username, verdict in rows:
        verdicts.setdefault(username, Counter())[verdict] += 1
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


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    offset = _int_param(request, "offset")
    if request.htmx and offset is not None:
        # "Show more" in the sidebar: only the next items, not the whole reader.
        _, shown, filters = _annotations(request, article, Tag.objects.all())
        context = {
            "article": article,
            **_list_page(request, shown, filters, offset, _int_param(request, "through")),
        }
        return render(request, "articles/article_detail.html#annotation-items", context)
    context = reader_context(request, article)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "articles/article_detail.html#reader", context)
    return render(request, "articles/article_detail.html", context)


@require_http_methods(["GET", "POST"])
def article_create(request: HtmxHttpRequest):
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                title=data["title"],
                text=data["body"],
                created_by=request.user,
                subtitle=data["subtitle"],
                byline=data["byline"],
                source_url=data["source_url"],
                published_on=data["published_on"],
                language=data["language"] or "en",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(article)
    return render(request, "articles/article_form.html", {"form": form})
