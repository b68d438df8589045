"""The Django admin, for admins (staff). It writes only through annotator.services and
never hard-deletes: annotations, comments and verdicts are history others rely on."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from annotator import services
from annotator.models import Annotation, Comment, Mention, Notification, Review, Tag
from articles import admin as article_admin
from articles import services as article_services
from articles.models import Article


class ArticleRevisionForm(forms.ModelForm):
    """The article's change form: a new title or text is a revision, with its reason,
    based on the version the form was opened at."""

    text = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 24}))
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the title or text changed; kept with the revision in the history.",
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    actor = None  # set by ArticleAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        article = self.instance
        if not article.pk or not {"title", "text"} & set(self.changed_data):
            return cleaned
        base = cleaned.get("base_version")
        if base is not None and base != article.version:
            raise ValidationError(str(services.StaleArticle(article).messages[0]))
        try:
            services.article_revision_preview(
                article=article,
                actor=self.actor,
                title=cleaned.get("title", article.title),
                text=cleaned.get("text", article.text),
                reason=cleaned.get("reason", ""),
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from None
        return cleaned


@admin.register(Article)
class ArticleAdmin(article_admin.ArticleAdmin):
    """Articles: a new title or text goes through services.article_revise, which carries
    every annotation across (the same service as the edit page and the API); other
    fields through articles.services.article_update_metadata."""

    form = ArticleRevisionForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["created", "modified"]
        return ["slug", "created_by", "version", "revised_at", "created", "modified"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        changed = set(form.changed_data)
        data = form.cleaned_data
        if {"title", "text"} & changed:
            services.article_revise(
                article=obj,
                actor=request.user,
                title=data["title"],
                text=data["text"],
                reason=data.get("reason", ""),
                version=data.get("base_version"),
            )
        fields = {k: data[k] for k in changed if k in article_services.METADATA_FIELDS - {"title"}}
        if fields:
            article_services.article_update_metadata(article=obj, actor=request.user, **fields)
        obj.refresh_from_db()


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = [
            "key",
            "label",
            "label_es",
            "description",
            "description_es",
            "colour",
            "shortcut",
            "order",
        ]
        help_texts = {
            "colour": "Background colour, e.g. #fde68a. Text on it must reach WCAG AA "
            "contrast (4.5:1) in the light and the dark theme, so choose a light colour."
        }

    def clean_colour(self):
        # The service's own rule, shown next to the field.
        try:
            return services.tag_colour_check(self.cleaned_data.get("colour"))
        except ValidationError as error:
            raise ValidationError(error.message_dict["colour"]) from None


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin):
    form = TagForm
    list_display = ["key", "label", "label_es", "shortcut", "colour", "order"]
    ordering = ["order"]

    def save_model(self, request, obj, form, change):
        services.tag_save(tag=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Annotations and verdicts refer to tags (PROTECT); retire a tag by renaming it.
        return False


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Shown and searchable, with its history; changed only through the pages and API."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history saves a posted historical version with the model's own
        # save(), around the services; these models are not changed in the admin at all.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    list_display = [
        "id", "article", "tag", "author", "start", "end", "anchor", "version", "settled_tag",
        "deleted_at",
    ]  # fmt: skip
    list_filter = ["tag", "anchor", "settled_tag", "deleted_at"]
    search_fields = ["quote", "note", "author__username"]
    list_select_related = ["article", "tag", "author", "settled_tag"]
    # Only the tag and the note change here (services.annotation_moderate); offsets and
    # their quote are set by the reader and the API, which check them together, and a
    # settlement by a curator on the thread or the API (services.annotation_settle).
    fields = [
        "article", "author", "start", "end", "quote", "anchor", "anchor_revision", "tag",
        "note", "version", "claim_version", "settled_tag", "settled_reason", "settled_by",
        "settled_at", "deleted_at",
    ]  # fmt: skip
    readonly_fields = [
        "article", "author", "start", "end", "quote", "anchor", "anchor_revision", "version",
        "claim_version", "settled_tag", "settled_reason", "settled_by", "settled_at",
        "deleted_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_moderatable_by(request.user)

    def save_model(self, request, obj, form, change):
        # Also reached when an admin posts an earlier version from the history page.
        changes = {}
        if "tag" in form.changed_data:
            changes["tag"] = form.cleaned_data["tag"].key
        if "note" in form.changed_data:
            changes["note"] = form.cleaned_data["note"]
        if changes:
            services.annotation_moderate(annotation=obj, actor=request.user, **changes)
        obj.refresh_from_db()


@admin.register(Comment)
class CommentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["id", "annotation", "author", "created", "deleted_at"]
    search_fields = ["body", "author__username"]
    list_select_related = ["annotation", "author"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "id", "annotation", "reviewer", "verdict", "proposed_tag", "claim_version", "modified",
    ]  # fmt: skip
    list_filter = ["verdict"]
    list_select_related = ["annotation", "reviewer", "proposed_tag"]


@admin.register(Mention)
class MentionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["id", "user", "comment", "is_read", "created"]
    list_filter = ["is_read"]
    list_select_related = ["user", "comment"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "article", "is_read", "created"]
    list_filter = ["kind", "is_read"]
    list_select_related = ["user", "article"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
