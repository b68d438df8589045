from django.contrib import admin
from django.urls import include, path

from annotator import views

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
        path("guidelines/", views.guidelines, name="guidelines"),
    ],
    "annotator",
)

urlpatterns = [
    path("", include("articles.urls")),
    path("", include(annotation_urls)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("annotator.api_urls")),
]
