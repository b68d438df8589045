from simple_history.admin import SimpleHistoryAdmin

from articles import services


class ArticleAdmin(SimpleHistoryAdmin):
    """Articles through the services. An article with annotations cannot be deleted
    (PROTECT). This app cannot revise a text (annotations point into it and belong to
    annotator), so annotator/admin.py registers a subclass that can, through
    annotator.services.article_revise."""

    list_display = ["title", "slug", "language", "version", "created_by", "created"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["created_by"]

    exclude = ["version", "revised_at", "revision_reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["created", "modified"]
        return ["slug", "text", "created_by", "created", "modified"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if obj is None else {}

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            fields = {k: v for k, v in data.items() if k in services.METADATA_FIELDS}
            saved = services.article_update_metadata(article=obj, actor=request.user, **fields)
        else:
            fields = {k: v for k, v in form.cleaned_data.items() if k in services.METADATA_FIELDS}
            saved = services.article_create(
                text=form.cleaned_data["text"],
                slug=form.cleaned_data.get("slug", ""),
                created_by=form.cleaned_data.get("created_by") or request.user,
                **fields,
            )
        # The admin reads obj afterwards to log the change and redirect.
        obj.pk = saved.pk
        obj.refresh_from_db()
