from rest_framework import serializers

from annotator.models import NOTE_MAX_LENGTH, Annotation
from articles.services import TEXT_MAX_LENGTH


class TextField(serializers.CharField):
    """A CharField that keeps white space as sent (offsets and quotes count it).

    DRF's CharField already refuses NUL and lone surrogates, which no database stores.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(help_text="A stable key for programs, e.g. 'stale'.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field, when the error is about particular fields.",
    )


class AnnotationSerializer(serializers.ModelSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tag = serializers.SlugRelatedField(slug_field="key", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.ChoiceField(choices=Annotation.Status.choices, read_only=True)

    class Meta:
        model = Annotation
        fields = [
            "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note",
            "author", "status", "version", "created", "modified",
        ]  # fmt: skip
        read_only_fields = fields


class AnnotationCreateSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=TEXT_MAX_LENGTH)
    end = serializers.IntegerField(min_value=1, max_value=TEXT_MAX_LENGTH)
    tag = TextField(max_length=32, help_text="Tag key: fact, opinion or speculation.")
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)
    quote = TextField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="When given, must equal the article text at [start, end).",
    )


class AnnotationUpdateSerializer(serializers.Serializer):
    tag = TextField(required=False, max_length=32)
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send a tag or a note to change.")
        return attrs


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["created", "changed", "deleted", "restored"])
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    version = serializers.IntegerField()
    changes = ChangeSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    password = TextField(max_length=4096)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Records already present, left alone.")
    articles_created = serializers.IntegerField()


class RestoreSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="A revision number from the annotation's history; omit to undo a delete.",
    )
