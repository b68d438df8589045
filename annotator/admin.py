"""The Django admin, for admins (staff). It writes only through annotator.services and
never hard-deletes: annotations, comments and verdicts are history others rely on."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from annotator import services
from annotator.models import Annotation, Comment, Mention, Review, Tag


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin):
    list_display = ["key", "label", "shortcut", "colour", "order"]
    ordering = ["order"]

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
        "id", "article", "tag", "author", "start", "end", "version", "settled_tag", "deleted_at",
    ]  # fmt: skip
    list_filter = ["tag", "settled_tag", "deleted_at"]
    search_fields = ["quote", "note", "author__username"]
    list_select_related = ["article", "tag", "author", "settled_tag"]
    # Only the tag and the note change here (services.annotation_moderate); offsets and
    # their quote are set by the reader and the API, which check them together, and a
    # settlement by a curator on the thread or the API (services.annotation_settle).
    fields = [
        "article", "author", "start", "end", "quote", "tag", "note", "version",
        "claim_version", "settled_tag", "settled_reason", "settled_by", "settled_at",
        "deleted_at",
    ]  # fmt: skip
    readonly_fields = [
        "article", "author", "start", "end", "quote", "version", "claim_version",
        "settled_tag", "settled_reason", "settled_by", "settled_at", "deleted_at",
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
