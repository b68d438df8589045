"""REST API: how far the annotators of an article agree, the figures of the agreement
page as JSON (annotator.selectors.agreement computes them)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import get_article
from annotator.selectors import agreement
from articles.models import Article

SPAN_METHOD = (
    "Krippendorff's unitizing alpha (αu; Krippendorff 1995, Content Analysis 2004 §12.4) "
    "over the article's characters; each annotator's annotations of a tag are their "
    "units of it (overlapping ones merged)."
)
WORD_METHOD = (
    "Words (runs of letters and digits) as units; each annotator gives each word the tag "
    "of their innermost annotation touching it, or 'no tag'. Krippendorff's α (nominal) "
    "over all annotators, Cohen's κ per pair."
)
CONFUSION_METHOD = (
    "For each annotation and each other annotator: the tag of their annotation at the "
    "same place (overlapping it most, by at least half of the shorter), or none."
)


def _figure(figure: agreement.Figure) -> dict:
    return {"value": figure.value, "reason": figure.reason}


def agreement_data(article: Article, figures: agreement.Agreement) -> dict:
    return {
        "article": article.slug,
        "annotators": figures.annotators,
        "tags": figures.tags,
        "annotations": figures.annotation_count,
        "characters": figures.characters,
        "span_level": {
            "method": SPAN_METHOD,
            "alpha_u": _figure(figures.unitized),
            "by_tag": {tag: _figure(f) for tag, f in figures.unitized_by_tag.items()},
        },
        "token_level": {
            "method": WORD_METHOD,
            "words": figures.word_count,
            "alpha": _figure(figures.alpha),
            "mean_kappa": _figure(figures.mean_kappa),
            "pairs": [
                {
                    "annotators": list(pair),
                    "kappa": _figure(kappa),
                    "words": figures.kappa_words[pair],
                    "disagreements": figures.pair_disagreements[pair],
                }
                for pair, kappa in figures.kappa.items()
            ],
        },
        "confusion": {
            "method": CONFUSION_METHOD,
            "rows": figures.tags,
            "columns": [*figures.tags, agreement.NONE_PARAM],
            "counts": figures.confusion,
        },
        "tag_mix": figures.tag_mix,
    }


class ArticleAgreementView(APIView):
    """How far the annotators of one article agree."""

    @extend_schema(
        summary="Agreement between the annotators of an article",
        description="The figures of the page /articles/<slug>/agreement/: span level "
        "(Krippendorff's αu, overall and per tag), token level (Krippendorff's α nominal, "
        "pairwise Cohen's κ), the confusion matrix and the tag mix. A figure that cannot be "
        "computed (one annotator, no variation, no words) is null with a reason; never NaN.",
        responses={200: serializers.AgreementSerializer, **errors(401, 404)},
    )
    def get(self, request, slug):
        article = get_article(Article.objects.all(), slug)
        figures = agreement.article_agreement(article)
        return Response(serializers.AgreementSerializer(agreement_data(article, figures)).data)
