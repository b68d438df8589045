"""The article API: list, read and add articles."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from annotator.api import serializers
from annotator.api.http import get_article
from articles import services
from articles.models import Article


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Articles: any signed-in person can list, read and add them."""

    queryset = Article.objects.select_related("created_by").defer("text")
    lookup_field = "slug"
    # Match any segment, so an odd slug gets DRF's JSON 404 rather than Django's HTML one.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if self.action == "retrieve":
            return Article.objects.select_related("created_by")
        return super().get_queryset()

    def get_object(self):
        return get_article(self.get_queryset(), self.kwargs["slug"])

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ArticleDetailSerializer
        return serializers.ArticleSerializer

    @extend_schema(
        request=serializers.ArticleCreateSerializer,
        responses={201: serializers.ArticleDetailSerializer},
    )
    def create(self, request):
        data = serializers.ArticleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        article = services.article_create(created_by=request.user, **data.validated_data)
        body = serializers.ArticleDetailSerializer(article, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)
