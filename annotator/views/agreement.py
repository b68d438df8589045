"""The agreement pages: how far the annotators agree on one article (and on all), with
charts whose every cell links to the comparisons behind it."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from annotator import charts
from annotator.models import Tag
from annotator.selectors import agreement as selectors
from annotator.views._htmx import HtmxHttpRequest, message_of
from articles.models import Article


def _links(base: str):
    def link(**query) -> str:
        query = {k: v for k, v in query.items() if v is not None}
        return f"{base}?{urlencode(query)}"

    return link


def _chart_context(figures: selectors.Agreement, list_url: str) -> dict:
    link = _links(list_url)
    tags = [t for t in Tag.objects.all() if t.key in figures.tags]
    return {
        "figures": figures,
        "tags": tags,
        "unitized": figures.unitized,
        "unitized_rows": [
            (
                tag,
                figures.unitized_by_tag[tag.key],
                charts.verdict(figures.unitized_by_tag[tag.key].value),
            )
            for tag in tags
        ],
        "gauges": {
            "unitized": charts.gauge(figures.unitized.value),
            "alpha": charts.gauge(figures.alpha.value),
            "kappa": charts.gauge(figures.mean_kappa.value),
        },
        "verdicts": {
            "unitized": charts.verdict(figures.unitized.value),
            "alpha": charts.verdict(figures.alpha.value),
            "kappa": charts.verdict(figures.mean_kappa.value),
        },
        "tag_mix": charts.tag_mix(
            figures.annotators, tags, figures.tag_mix, lambda a, t: link(a=a, tag=t)
        ),
        "heatmap": charts.heatmap(
            figures.annotators,
            figures.kappa,
            figures.kappa_words,
            figures.pair_disagreements,
            lambda a, b: link(a=a, b=b),
        ),
        "confusion": charts.confusion(
            tags,
            figures.confusion,
            lambda t, o: link(tag=t, other_tag=o or selectors.NONE_PARAM),
        ),
        "comparison_count": figures.comparison_count,
        "disagreement_count": figures.disagreement_count,
    }


@require_GET
def article_agreement(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    figures = selectors.article_agreement(article)
    list_url = reverse("annotator:article_disagreements", args=[article.slug])
    context = {"article": article, **_chart_context(figures, list_url)}
    return render(request, "annotator/agreement.html", context)


@require_GET
def project_agreement(request: HtmxHttpRequest):
    figures, rows = selectors.project_agreement()
    list_url = reverse("annotator:project_disagreements")
    context = {
        "article": None,
        "article_rows": [
            (
                row,
                charts.verdict(row.figures.unitized.value),
                charts.verdict(row.figures.alpha.value),
            )
            for row in rows
        ],
        **_chart_context(figures, list_url),
    }
    return render(request, "annotator/agreement.html", context)


def _offset(request) -> int:
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


def _disagreements(request: HtmxHttpRequest, article, figures, back: str):
    tags = {t.key: t for t in Tag.objects.all()}
    try:
        wanted = selectors.ComparisonFilter.from_params(request.GET, figures)
    except ValidationError as error:
        context = {"article": article, "back": back, "error": message_of(error)}
        return render(request, "annotator/disagreements.html", context, status=400)
    offset = _offset(request)
    items, total = selectors.comparison_page(figures, wanted, tags, offset=offset)
    end = offset + len(items)
    context = {
        "article": article,
        "back": back,
        "wanted": wanted,
        "wanted_tag": tags.get(wanted.tag),
        "wanted_other_tag": tags.get(wanted.other_tag) if wanted.other_tag else None,
        "tags": tags.values(),
        "items": items,
        "total": total,
        "first": offset + 1,
        "last": end,
        "more_query": urlencode({**wanted.query(), "offset": end}) if end < total else "",
    }
    if request.htmx and request.GET.get("offset"):
        return render(request, "annotator/disagreements.html#items", context)
    return render(request, "annotator/disagreements.html", context)


@require_GET
def article_disagreements(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    back = reverse("annotator:article_agreement", args=[article.slug])
    return _disagreements(request, article, selectors.article_agreement(article), back)


@require_GET
def project_disagreements(request: HtmxHttpRequest):
    figures, _ = selectors.project_agreement()
    return _disagreements(request, None, figures, reverse("annotator:project_agreement"))
