from rest_framework import serializers

from annotator.serializers import TextField
from articles.models import Article
from articles.services import TEXT_MAX_LENGTH


class ArticleSerializer(serializers.ModelSerializer):
    """An article in a list: everything but its text."""

    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Often empty, which is not a URI: describe it as text.
    source_url = serializers.CharField(read_only=True)

    class Meta:
        model = Article
        fields = [
            "slug", "title", "subtitle", "byline", "source_url", "published_on", "language",
            "created_by", "created", "modified",
        ]  # fmt: skip
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text"]
        read_only_fields = fields


class ArticleCreateSerializer(serializers.Serializer):
    title = TextField(max_length=300)
    text = TextField(max_length=TEXT_MAX_LENGTH, help_text="Canonical plain text; kept verbatim.")
    subtitle = TextField(required=False, allow_blank=True, max_length=500)
    byline = TextField(required=False, allow_blank=True, max_length=300)
    source_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    published_on = serializers.DateField(required=False, allow_null=True)
    language = TextField(required=False, max_length=16)
