"""URLs under /api/. Included from annotator/urls.py."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotator.api import (
    adjudication,
    agreement,
    annotations,
    articles,
    auth,
    discussion,
    errors,
    notifications,
    transfer,
    w3c,
)

router = DefaultRouter()
router.register("articles", articles.ArticleViewSet, basename="article")
router.register("annotations", annotations.AnnotationViewSet, basename="annotation")
router.register("comments", discussion.CommentViewSet, basename="comment")

article_annotations = annotations.ArticleAnnotationViewSet.as_view(
    {"get": "list", "post": "create"}
)
annotation_comments = discussion.AnnotationCommentViewSet.as_view({"get": "list", "post": "create"})

api_urls = [
    path("token/", auth.TokenView.as_view(), name="token"),
    path(
        "articles/<str:slug>/annotations/",
        article_annotations,
        name="article_annotations",
    ),
    path(
        "articles/<str:slug>/agreement/",
        agreement.ArticleAgreementView.as_view(),
        name="article_agreement",
    ),
    # <str:pk>, so "/annotations/abc/comments/" is a JSON 404 from the view, not Django's HTML.
    path("annotations/<str:pk>/comments/", annotation_comments, name="annotation_comments"),
    path(
        "annotations/<str:pk>/review/",
        discussion.AnnotationReviewView.as_view(),
        name="annotation_review",
    ),
    path(
        "annotations/<str:pk>/settle/",
        adjudication.AnnotationSettleView.as_view(),
        name="annotation_settle",
    ),
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        notifications.NotificationReadView.as_view(),
        name="notifications_read",
    ),
    path("export/", transfer.ExportView.as_view(), name="export"),
    path("import/", transfer.ImportView.as_view(), name="import"),
    path("import/tasks/<uuid:pk>/", transfer.ImportTaskView.as_view(), name="import_task"),
    path("w3c/", w3c.W3CCollectionView.as_view(), name="w3c_collection"),
    path(
        "export/labelstudio-config/",
        transfer.LabelStudioConfigView.as_view(),
        name="labelstudio_config",
    ),
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    *router.urls,
]

# LoginRequiredMiddleware would redirect a token-authenticated call (anonymous to Django)
# to the login page; DRF's IsAuthenticated answers 401 JSON instead. DRF >= 3.15 marks its
# views so already; saying it here keeps it true whatever the DRF version.
for pattern in api_urls:
    login_not_required(pattern.callback)

app_name = "api"
urlpatterns = [
    *api_urls,
    # The docs are a page for people: anonymous visitors go to the login page first.
    # Its scripts are static files (drf-spectacular-sidecar) and its one <style> gets the
    # CSP nonce, so the site's CSP needs no relaxing.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="annotator/api_docs.html"
            )
        ),
        name="docs",
    ),
    # Last: anything else under /api/ ending in "/" is a JSON 404 (without the slash,
    # APPEND_SLASH redirects here first).
    re_path(r"^.*/$", login_not_required(errors.not_found)),
]
