from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from articles.models import Article


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "language", "created_by", "created"]
    search_fields = ["title", "slug", "text"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created", "modified"]
    list_select_related = ["created_by"]
