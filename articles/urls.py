from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("articles/new/", views.article_create, name="article_create"),
]
