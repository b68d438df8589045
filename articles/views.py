from collections import Counter

from django.db.models import Count, Max, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from annotator.models import Annotation, Review, Tag
from articles.models import Article
from articles.rendering import render_text

UNDERLINE_STYLES = ["u-solid", "u-dashed", "u-dotted", "u-double", "u-wavy"]


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
        rows.append({"article": article, "counts": counts, "last_activity": last})
    return render(request, "articles/article_list.html", {"rows": rows, "tags": tags})


def reader_context(request: HtmxHttpRequest, article: Article) -> dict:
    """Everything the reader shows, in a constant number of queries."""
    tags = list(Tag.objects.all())
    underline = {tag.pk: UNDERLINE_STYLES[i % len(UNDERLINE_STYLES)] for i, tag in enumerate(tags)}
    annotations = list(
        Annotation.objects.for_article(article)
        .with_status()  # status and comment counts: issue 4
        .with_comment_count()
        .select_related("author", "tag")
        .order_by("start", "end", "id")
    )
    counts = Counter(a.tag_id for a in annotations)
    authors = sorted({a.author.username for a in annotations})

    tag_filter = request.GET.get("tag", "")
    author_filter = request.GET.get("author", "")
    review = review_summary(request, article, annotations, tags)
    status_filter = request.GET.get("status", "")
    shown = [
        a
        for a in annotations
        if (not tag_filter or a.tag.key == tag_filter)
        and (not author_filter or a.author.username == author_filter)
        and _has_status(a, status_filter, request.user, review["reviewed_by_me"])
    ]
    for a in shown:
        a.can_edit = a.is_editable_by(request.user)
    return {
        "article": article,
        "tags": tags,
        "tag_rows": [(tag, underline[tag.pk], counts.get(tag.pk, 0)) for tag in tags],
        "annotations": shown,
        "total": len(annotations),
        "authors": authors,
        "tag_filter": tag_filter,
        "author_filter": author_filter,
        "is_filtered": bool(tag_filter or author_filter or status_filter),
        "status_filter": status_filter,
        "status_choices": STATUS_FILTERS,
        "review": review,
        "text_html": render_text(article.text, shown, underline),
    }


# Review status in the reader (issue 4) ---------------------------------------------------

NEEDS_MY_REVIEW = "needs-review"
STATUS_FILTERS = [*Annotation.Status.choices, (NEEDS_MY_REVIEW, "Needs my review")]


def _has_status(annotation, status: str, user, reviewed_by_me: set[int]) -> bool:
    if not status:
        return True
    if status == NEEDS_MY_REVIEW:
        return annotation.author_id != user.pk and annotation.pk not in reviewed_by_me
    return annotation.status == status


def review_summary(request: HtmxHttpRequest, article: Article, annotations, tags) -> dict:
    """Tags by status and verdicts per reviewer for `article`, in one query more."""
    by_tag = {tag.pk: Counter() for tag in tags}
    for a in annotations:
        by_tag[a.tag_id][a.status] += 1
    verdicts: dict[str, Counter] = {}
    reviewed_by_me = set()
    rows = Review.objects.filter(
        annotation__article=article, annotation__deleted_at__isnull=True
    ).values_list("annotation_id", "reviewer_id", "reviewer__username", "verdict")
    for annotation_id, reviewer_id, username, verdict in rows:
        verdicts.setdefault(username, Counter())[verdict] += 1
        if reviewer_id == request.user.pk:
            reviewed_by_me.add(annotation_id)
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
        "reviewed_by_me": reviewed_by_me,
    }


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    context = reader_context(request, article)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "articles/article_detail.html#reader", context)
    return render(request, "articles/article_detail.html", context)
