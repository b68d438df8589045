"""The article API: list, read and add articles; revise one (PATCH with If-Match, every
annotation carried across); read its revisions and the article as of one of them."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator import services
from annotator.api import serializers
from annotator.api.errors import CONDITIONAL_ERRORS, errors
from annotator.api.http import ContentLengthLimit, get_article, if_match_version
from annotator.selectors import revisions
from articles import services as article_services
from articles.models import Article

REVISION = OpenApiParameter(
    "revision",
    int,
    description="Read the article as it was at this revision (title and text then); "
    "without it, the current one, with its ETag.",
)


class ArticleViewSet(
    ContentLengthLimit, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Articles: any signed-in person can list, read and add them; the creator, a curator
    or an admin can revise one."""

    queryset = Article.objects.select_related("created_by").defer("text")
    lookup_field = "slug"
    # Match any segment, so an odd slug gets DRF's JSON 404 rather than Django's HTML one.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if self.action in {"retrieve", "partial_update"}:
            return Article.objects.select_related("created_by")
        return super().get_queryset()

    def get_object(self):
        return get_article(self.get_queryset(), self.kwargs["slug"])

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ArticleDetailSerializer
        return serializers.ArticleSerializer

    @extend_schema(
        parameters=[REVISION],
        responses={200: serializers.ArticleDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request, *args, **kwargs):
        article = self.get_object()
        revision = request.query_params.get("revision")
        if revision is not None and revision != str(article.version):
            record = revisions.article_at(article, revision)
            data = serializers.ArticleDetailSerializer(article).data
            data.update(title=record.title, text=record.text, version=record.version)
            return Response(data)
        body = serializers.ArticleDetailSerializer(article).data
        return Response(body, headers={"ETag": article.etag})

    @extend_schema(
        request=serializers.ArticleCreateSerializer,
        responses={201: serializers.ArticleDetailSerializer, **errors(400, 401, 413)},
    )
    def create(self, request):
        data = serializers.ArticleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        article = article_services.article_create(created_by=request.user, **data.validated_data)
        body = serializers.ArticleDetailSerializer(article, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"ETag": article.etag})

    @extend_schema(
        request=serializers.ArticleRevisionSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        responses={
            200: serializers.ArticleRevisedSerializer,
            **errors(400, 401, 403, 404, 413),
            **CONDITIONAL_ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        """Revise the title and/or text (with a reason). Every annotation is carried
        across in the same transaction: `carried` says how many stayed exact, moved with
        the text (to check) or were orphaned. Needs If-Match with the article's ETag."""
        article = self.get_object()
        version = if_match_version(request, article, kind="a", what="article")
        data = serializers.ArticleRevisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.article_revise(
            article=article, actor=request.user, version=version, **data.validated_data
        )
        body = serializers.ArticleRevisedSerializer(plan.article, context={"plan": plan}).data
        return Response(body, headers={"ETag": plan.article.etag})

    @extend_schema(
        responses={
            200: serializers.ArticleRevisionEntrySerializer(many=True),
            **errors(401, 404),
        }
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request, *args, **kwargs):
        """Every revision of the article, newest first: who, when, why, and what it did to
        annotations. GET the article with ?revision=N for its text then."""
        entries = [
            {
                "revision": rev.number,
                "action": rev.action,
                "user": rev.user.username if rev.user else None,
                "at": rev.at,
                "title": rev.record.title,
                "reason": rev.record.revision_reason,
                "summary": rev.summary,
            }
            for rev in revisions.article_revisions(self.get_object())
        ]
        return Response(serializers.ArticleRevisionEntrySerializer(entries, many=True).data)
