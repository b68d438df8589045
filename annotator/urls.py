from django.contrib import admin
from django.urls import include, path

from annotator import views, views_auth, views_discussion, views_history

annotation_urls = (
    [
        path(
            "articles/<slug:slug>/annotations/",
            views.annotation_create,
            name="annotation_create",
        ),
        # /annotations/<id>/...
        path(
            "annotations/<int:annotation_id>/edit/",
            views.annotation_update,
            name="annotation_update",
        ),
        path(
            "annotations/<int:annotation_id>/delete/",
            views.annotation_delete,
            name="annotation_delete",
        ),
        path(
            "annotations/<int:annotation_id>/restore/",
            views.annotation_restore,
            name="annotation_restore",
        ),
        path("guidelines/", views.guidelines, name="guidelines"),
        # History (issue 6)
        path(
            "articles/<slug:slug>/history/",
            views_history.article_history,
            name="article_history",
        ),
        # Discussion and review (issue 4)
        path(
            "annotations/<int:annotation_id>/thread/",
            views_discussion.annotation_thread,
            name="annotation_thread",
        ),
        path(
            "annotations/<int:annotation_id>/comments/",
            views_discussion.comment_create,
            name="comment_create",
        ),
        path(
            "annotations/<int:annotation_id>/review/",
            views_discussion.review_set,
            name="review_set",
        ),
        path(
            "comments/<int:comment_id>/edit/",
            views_discussion.comment_update,
            name="comment_update",
        ),
        path(
            "comments/<int:comment_id>/restore/",
            views_discussion.comment_restore,
            name="comment_restore",
        ),
        path(
            "comments/<int:comment_id>/delete/",
            views_discussion.comment_delete,
            name="comment_delete",
        ),
        path("review/", views_discussion.review_queue, name="review_queue"),
        path("mentions/", views_discussion.mention_list, name="mention_list"),
        path("mentions/read/", views_discussion.mentions_mark_read, name="mentions_mark_read"),
        path("people/<str:username>/", views_discussion.person_detail, name="person_detail"),
    ],
    "annotator",
)

urlpatterns = [
    path("", include("articles.urls")),
    path("", include(annotation_urls)),
    path("accounts/login/", views_auth.ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("annotator.api_urls")),
]
