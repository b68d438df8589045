from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from annotator.models import Annotation, Comment, Mention, Review, Tag


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin):
    list_display = ["key", "label", "shortcut", "colour", "order"]
    ordering = ["order"]


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "article", "tag", "author", "start", "end", "version", "deleted_at"]
    list_filter = ["tag", "deleted_at"]
    search_fields = ["quote", "note", "author__username"]
    list_select_related = ["article", "tag", "author"]
    raw_id_fields = ["article", "author"]
    # Offsets and their quote are set by the reader and the API, which check them together.
    readonly_fields = [
        "start",
        "end",
        "quote",
        "prefix",
        "suffix",
        "version",
        "created",
        "modified",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # A moderator's edit is a new version too, so clients holding the old ETag
        # cannot overwrite it unknowingly.
        if change and form.changed_data:
            obj.version += 1
            obj._change_reason = "changed in admin"
        super().save_model(request, obj, form, change)


@admin.register(Comment)
class CommentAdmin(SimpleHistoryAdmin):
    list_display = ["id", "annotation", "author", "created", "deleted_at"]
    search_fields = ["body", "author__username"]
    list_select_related = ["annotation", "author"]
    raw_id_fields = ["annotation", "parent", "author"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["id", "annotation", "reviewer", "verdict", "proposed_tag", "modified"]
    list_filter = ["verdict"]
    list_select_related = ["annotation", "reviewer", "proposed_tag"]
    raw_id_fields = ["annotation", "reviewer"]


@admin.register(Mention)
class MentionAdmin(SimpleHistoryAdmin):
    list_display = ["id", "user", "comment", "is_read", "created"]
    list_filter = ["is_read"]
    list_select_related = ["user", "comment"]
    raw_id_fields = ["comment", "user"]
