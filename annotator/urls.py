"""The root URLconf: pages under the `annotator` namespace, the add-article page under
`articles`, the API under `/api/` (namespace `api`), sign-in and the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from annotator.views import (
    agreement,
    anchors,
    articles,
    auth,
    discussion,
    errors,
    health,
    history,
    live,
    notifications,
    people,
    preferences,
    reader,
    review,
    revisions,
    search,
    tokens,
    transfer,
)

article_urls = [
    path("", reader.article_detail, name="article_detail"),
    path("annotations/", reader.annotation_create, name="annotation_create"),
    path("history/", history.article_history, name="article_history"),
    path("agreement/", agreement.article_agreement, name="article_agreement"),
    path(
        "agreement/disagreements/",
        agreement.article_disagreements,
        name="article_disagreements",
    ),
    path("presence/", live.presence, name="article_presence"),
    path("edit/", revisions.article_edit, name="article_edit"),
    path("anchors/", anchors.anchor_list, name="anchor_list"),
]

annotation_urls = [
    path("edit/", reader.annotation_update, name="annotation_update"),
    path("adjust/", reader.annotation_adjust, name="annotation_adjust"),
    path("delete/", reader.annotation_delete, name="annotation_delete"),
    path("restore/", reader.annotation_restore, name="annotation_restore"),
    path("thread/", discussion.annotation_thread, name="annotation_thread"),
    path("comments/", discussion.comment_create, name="comment_create"),
    path("review/", discussion.review_set, name="review_set"),
    path("settle/", discussion.annotation_settle, name="annotation_settle"),
    path("reopen/", discussion.annotation_reopen, name="annotation_reopen"),
    path("anchor/", anchors.annotation_anchor, name="annotation_anchor"),
    path("anchor/delete/", anchors.annotation_anchor_delete, name="annotation_anchor_delete"),
]

comment_urls = [
    path("edit/", discussion.comment_update, name="comment_update"),
    path("delete/", discussion.comment_delete, name="comment_delete"),
    path("restore/", discussion.comment_restore, name="comment_restore"),
]

page_urls = [
    path("", articles.article_list, name="article_list"),
    path("guidelines/", reader.guidelines, name="guidelines"),
    path("articles/<slug:slug>/", include(article_urls)),
    path("annotations/<int:annotation_id>/", include(annotation_urls)),
    path("comments/<int:comment_id>/", include(comment_urls)),
    path("review/", review.review_queue, name="review_queue"),
    path("agreement/", agreement.project_agreement, name="project_agreement"),
    path(
        "agreement/disagreements/",
        agreement.project_disagreements,
        name="project_disagreements",
    ),
    path("mentions/", people.mention_list, name="mention_list"),
    path("mentions/read/", people.mentions_mark_read, name="mentions_mark_read"),
    path("mentions/names/", people.person_names, name="person_names"),
    path("search/", search.search, name="search"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path(
        "notifications/read/",
        notifications.notifications_mark_read,
        name="notifications_mark_read",
    ),
    path("people/<str:username>/", people.person_detail, name="person_detail"),
    path("import/", transfer.import_page, name="import_page"),
    path("import/done/", transfer.import_done, name="import_done"),
    path("import/tasks/<uuid:pk>/", transfer.import_task, name="import_task"),
]

# Under annotator.asgi.STREAM_PREFIX: production serves these on the ASGI handler.
stream_urls = [
    path("articles/<slug:slug>/", live.article_stream, name="article_stream"),
    path("me/", live.my_stream, name="my_stream"),
]

urlpatterns = [
    # First: "articles/new/" would otherwise be read as an article's slug.
    path("", include("articles.urls")),
    path("", include((page_urls, "annotator"))),
    path("accounts/login/", auth.ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("annotator.api.urls")),
    path("stream/", include((stream_urls, "stream"))),
    path("healthz", health.healthz, name="healthz"),
    path("account/tokens/", tokens.token_list, name="token_list"),
    path("account/language/", preferences.set_language, name="set_language"),
    path("account/preferences/", preferences.preferences_page, name="preferences"),
    # Strings of the pages' scripts in the active language (static/js/*.js: gettext()).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

# Errors in the shape of the request: JSON under /api/, a fragment for htmx, else a page;
# a database that does not answer is a 503 (annotator/views/errors.py).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
