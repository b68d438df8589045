"""Shapes of the API's bodies. Serializers check types and fields; the rules and their
sentences (lengths, tags, offsets) belong to annotator.services."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator import markdown
from annotator.models import (
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Annotation,
    Comment,
    Review,
)
from articles.models import TEXT_MAX_LENGTH, Article


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


class SettlementSerializer(serializers.Serializer):
    tag = serializers.CharField(help_text="The final tag (key) the curator chose.")
    reason = serializers.CharField()
    by = serializers.CharField(help_text="The curator's user name.")
    at = serializers.DateTimeField()
    claim_version = serializers.IntegerField(
        help_text="The claim version it settled; it counts while that is current."
    )
    current = serializers.BooleanField(
        help_text="false when the tag or span changed since: it no longer counts."
    )


def settlement_data(annotation: Annotation) -> dict | None:
    if not annotation.settled_claim_version:
        return None
    return {
        "tag": annotation.settled_tag.key,
        "reason": annotation.settled_reason,
        "by": annotation.settled_by.username if annotation.settled_by else None,
        "at": annotation.settled_at,
        "claim_version": annotation.settled_claim_version,
        "current": annotation.is_settled,
    }


class AnnotationSerializer(serializers.ModelSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tag = serializers.SlugRelatedField(slug_field="key", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.ChoiceField(
        choices=Annotation.Status.choices,
        read_only=True,
        help_text="From the verdicts on the current claim version, or settled by a curator.",
    )
    claim_version = serializers.IntegerField(
        read_only=True,
        help_text="Moves when the tag or span changes (or an article revision changes its "
        "words); verdicts judge one claim version.",
    )
    final_tag = serializers.SerializerMethodField(
        help_text="The settled tag, or the tag when accepted; null while pending or disputed."
    )
    settlement = serializers.SerializerMethodField(
        help_text="The curator's settlement, or null (also after a reopen)."
    )
    anchor = serializers.ChoiceField(
        choices=Annotation.Anchor.choices,
        read_only=True,
        help_text="After an article revision: exact (on its words), moved (carried with the "
        "text, its quote changed: check it) or orphaned (its words are gone; start, end and "
        "quote refer to `revision`). Moved and orphaned ones are the article's anchors to check.",
    )
    revision = serializers.SerializerMethodField(
        help_text="The article revision whose text start and end index: the current one, "
        "except for an orphaned annotation."
    )

    class Meta:
        model = Annotation
        fields = [
            "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note",
            "author", "status", "anchor", "revision", "version", "claim_version", "final_tag",
            "settlement", "created", "modified",
        ]  # fmt: skip
        read_only_fields = fields

    def get_revision(self, annotation) -> int:
        return annotation.anchor_revision or annotation.article.version

    def get_final_tag(self, annotation) -> str | None:
        final = annotation.final_tag
        return final.key if final else None

    @extend_schema_field(SettlementSerializer(allow_null=True))
    def get_settlement(self, annotation) -> dict | None:
        data = settlement_data(annotation)
        return SettlementSerializer(data).data if data else None


class AnnotationCreateSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=TEXT_MAX_LENGTH)
    end = serializers.IntegerField(min_value=1, max_value=TEXT_MAX_LENGTH)
    tag = TextField(max_length=32, help_text="Tag key: fact, opinion or speculation.")
    note = TextField(
        required=False,
        allow_blank=True,
        help_text=f"Why this tag; at most {NOTE_MAX_LENGTH:,} characters once trimmed.",
    )
    quote = TextField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="When given, must equal the article text at [start, end).",
    )
    revision = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The article revision the offsets (and quote) refer to, when older than "
        "the current one: the annotation is carried across as a revision carries it (its "
        "`anchor` says how). Without it, offsets refer to the current text.",
    )


class AnnotationUpdateSerializer(serializers.Serializer):
    tag = TextField(required=False, max_length=32)
    note = TextField(
        required=False,
        allow_blank=True,
        help_text=f"Why this tag; at most {NOTE_MAX_LENGTH:,} characters once trimmed.",
    )
    start = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=TEXT_MAX_LENGTH,
        help_text="With end and quote: select the span again in the current text (the "
        "anchor becomes exact). The author, or a curator while the anchor needs checking.",
    )
    end = serializers.IntegerField(required=False, min_value=1, max_value=TEXT_MAX_LENGTH)
    quote = TextField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="Required with start and end: the words there in the current text (so "
        "offsets from an earlier revision are caught).",
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send a tag, a note or a span to change."))
        return attrs


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    action = serializers.ChoiceField(
        choices=["created", "changed", "deleted", "restored", "settled", "reopened"]
    )
    reason = serializers.CharField(
        allow_null=True, help_text="Why, as recorded: e.g. 'changed in admin', 'settled'."
    )
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    version = serializers.IntegerField()
    changes = ChangeSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    password = TextField(max_length=4096)
    expires_in_days = serializers.IntegerField(
        required=False, min_value=1, max_value=3650, help_text="Default: DJANGO_TOKEN_TTL_DAYS."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField(allow_null=True, help_text="null: until revoked.")


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Records already present, left alone.")
    articles_created = serializers.IntegerField()


class ImportProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Records written so far (PostgreSQL).")
    total = serializers.IntegerField()


class ImportTaskSerializer(serializers.Serializer):
    task = serializers.URLField(help_text="GET it for the status; yours (or an admin's) only.")
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    progress = ImportProgressSerializer()
    result = ImportResultSerializer(required=False, help_text="When done: the import's answer.")
    error = ErrorSerializer(required=False, help_text="When failed: why; nothing was written.")


class SettleSerializer(serializers.Serializer):
    tag = TextField(max_length=32, help_text="The final tag key: fact, opinion or speculation.")
    reason = TextField(
        allow_blank=True,
        help_text=f"Why; not empty, at most {REASON_MAX_LENGTH:,} characters once trimmed.",
    )


class RestoreSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="A revision number from the annotation's history; omit to undo a delete.",
    )


# Discussion and review -----------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    """A comment as the thread shows it. A deleted comment keeps its place in the thread
    but loses its text and author here, as on the page; history keeps both."""

    author = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null when deleted."
    )
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The comment this replies to; null at the top."
    )
    body = serializers.CharField(read_only=True, help_text="Markdown as written; '' when deleted.")
    body_html = serializers.SerializerMethodField(
        help_text="The body rendered from Markdown and sanitised; '' when deleted."
    )
    edited = serializers.SerializerMethodField(help_text="The author changed the body.")
    deleted = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id", "annotation", "parent", "author", "body", "body_html",
            "created", "modified", "edited", "edited_at", "deleted",
        ]  # fmt: skip
        read_only_fields = fields

    def get_body_html(self, comment) -> str:
        if comment.is_deleted:
            return ""
        # The view passes the user names that exist, so only real people become links.
        return markdown.render(comment.body, self.context.get("known_usernames"))

    def get_edited(self, comment) -> bool:
        return comment.edited_at is not None

    def get_deleted(self, comment) -> bool:
        return comment.is_deleted

    def to_representation(self, comment):
        data = super().to_representation(comment)
        if comment.is_deleted:
            data["body"] = ""
            data["author"] = None
        return data


class CommentCreateSerializer(serializers.Serializer):
    # Emptiness and length are the service's rules (the same sentences as the pages).
    body = TextField(
        allow_blank=True,
        help_text=f"Markdown; not empty, at most {COMMENT_MAX_LENGTH:,} characters once trimmed. "
        "`@name` mentions that person.",
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Reply to this comment of the same thread. A reply to a reply joins its "
        "parent's replies (one level).",
    )


class CommentUpdateSerializer(serializers.Serializer):
    body = TextField(
        allow_blank=True,
        help_text=f"Markdown; not empty, at most {COMMENT_MAX_LENGTH:,} characters once trimmed.",
    )


class ReviewSerializer(serializers.ModelSerializer):
    annotation = serializers.PrimaryKeyRelatedField(read_only=True)
    reviewer = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="User name."
    )
    proposed_tag = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True, help_text="Tag key, or null."
    )
    claim_version = serializers.IntegerField(
        read_only=True, help_text="The annotation's claim version the verdict judged."
    )
    judged_tag = serializers.SlugRelatedField(
        slug_field="key",
        read_only=True,
        allow_null=True,
        help_text="The tag the annotation had when judged.",
    )
    current = serializers.SerializerMethodField(
        help_text="false when the tag or span changed since: the verdict no longer counts "
        "for the status; PUT it again to judge the current version."
    )

    class Meta:
        model = Review
        fields = [
            "annotation", "reviewer", "verdict", "proposed_tag", "comment", "claim_version",
            "judged_tag", "current", "created", "modified",
        ]  # fmt: skip
        read_only_fields = fields

    def get_current(self, review) -> bool:
        return review.is_current


class ReviewSetSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=Review.Verdict.choices,
        error_messages={"invalid_choice": "Choose a verdict: agree or disagree."},
    )
    proposed_tag = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=32,
        help_text="With disagree: the tag key you would use instead. Ignored with agree.",
    )
    comment = TextField(
        required=False,
        allow_blank=True,
        help_text=f"Your reason, at most {REASON_MAX_LENGTH:,} characters once trimmed.",
    )


# Articles --------------------------------------------------------------------------------


class ArticleSerializer(serializers.ModelSerializer):
    """An article in a list: everything but its text."""

    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Often empty, which is not a URI: describe it as text.
    source_url = serializers.CharField(read_only=True)
    version = serializers.IntegerField(
        read_only=True,
        help_text="The article's current revision; it goes up with every change and is "
        "part of its ETag.",
    )

    class Meta:
        model = Article
        fields = [
            "slug", "title", "subtitle", "byline", "source_url", "published_on", "language",
            "created_by", "version", "revised_at", "created", "modified",
        ]  # fmt: skip
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text"]
        read_only_fields = fields


class ArticleRevisionSerializer(serializers.Serializer):
    # Blank values reach the service, which refuses them with its own sentence.
    title = TextField(required=False, allow_blank=True, max_length=300)
    text = TextField(
        required=False,
        allow_blank=True,
        help_text=f"The new text, kept verbatim; at most {TEXT_MAX_LENGTH:,} characters. Every "
        "annotation is carried across to it.",
    )
    reason = TextField(
        required=False,
        allow_blank=True,
        help_text=f"Why it changed, kept with the revision; at most {REASON_MAX_LENGTH:,} "
        "characters once trimmed.",
    )

    def validate(self, attrs):
        if "title" not in attrs and "text" not in attrs:
            raise serializers.ValidationError(_("Send a new title, a new text or both."))
        return attrs


class CarriedSerializer(serializers.Serializer):
    exact = serializers.IntegerField(help_text="Annotations still on their words.")
    moved = serializers.IntegerField(help_text="Carried with the text, quote changed: check.")
    orphaned = serializers.IntegerField(help_text="Their words are gone: select them again.")
    to_check = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the moved and orphaned ones."
    )


class ArticleRevisedSerializer(ArticleDetailSerializer):
    carried = serializers.SerializerMethodField(help_text="What the revision did to annotations.")

    class Meta(ArticleDetailSerializer.Meta):
        fields = [*ArticleDetailSerializer.Meta.fields, "carried"]
        read_only_fields = fields

    def get_carried(self, article) -> CarriedSerializer:
        plan = self.context["plan"]
        to_check = [c.annotation.pk for c in plan.carried if c.anchor != "exact"]
        return {**plan.counts, "to_check": to_check}


class ArticleRevisionEntrySerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The article version; ?revision=N reads it.")
    action = serializers.ChoiceField(choices=["created", "revised", "changed"])
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    title = serializers.CharField()
    reason = serializers.CharField(help_text="Why, as its author said; may be empty.")
    summary = serializers.CharField(help_text="What happened to annotations, in a line.")


class ArticleCreateSerializer(serializers.Serializer):
    title = TextField(max_length=300)
    text = TextField(
        help_text=f"Canonical plain text, kept verbatim; at most {TEXT_MAX_LENGTH:,} characters."
    )
    subtitle = TextField(required=False, allow_blank=True, max_length=500)
    byline = TextField(required=False, allow_blank=True, max_length=300)
    source_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    published_on = serializers.DateField(required=False, allow_null=True)
    language = TextField(required=False, max_length=16)


# Agreement ---------------------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    value = serializers.FloatField(
        allow_null=True, help_text="null when it cannot be computed (never NaN)."
    )
    reason = serializers.CharField(help_text="Why there is no value; empty when there is one.")


class PairSerializer(serializers.Serializer):
    annotators = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)
    kappa = FigureSerializer(help_text="Cohen's κ over the words both annotated.")
    words = serializers.IntegerField()
    disagreements = serializers.IntegerField(
        help_text="Places where one tagged something the other tagged differently or not at all."
    )


class SpanLevelSerializer(serializers.Serializer):
    method = serializers.CharField()
    alpha_u = FigureSerializer(help_text="Krippendorff's unitizing alpha over all tags.")
    by_tag = serializers.DictField(child=FigureSerializer(), help_text="αu per tag key.")


class TokenLevelSerializer(serializers.Serializer):
    method = serializers.CharField()
    words = serializers.IntegerField()
    alpha = FigureSerializer(help_text="Krippendorff's α (nominal) over all annotators.")
    mean_kappa = FigureSerializer()
    pairs = PairSerializer(many=True)


class ConfusionSerializer(serializers.Serializer):
    method = serializers.CharField()
    rows = serializers.ListField(child=serializers.CharField(), help_text="Tag keys.")
    columns = serializers.ListField(
        child=serializers.CharField(), help_text='Tag keys, then "none" (tagged nothing there).'
    )
    counts = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))


class AgreementSerializer(serializers.Serializer):
    article = serializers.CharField(help_text="The article's slug.")
    annotators = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    annotations = serializers.IntegerField()
    characters = serializers.IntegerField()
    span_level = SpanLevelSerializer()
    token_level = TokenLevelSerializer()
    confusion = ConfusionSerializer()
    tag_mix = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Per annotator, the number of annotations per tag key.",
    )
