"""The add-article page."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from articles import services
from articles.forms import ArticleForm


@require_http_methods(["GET", "POST"])
def article_create(request):
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                title=data["title"],
                text=data["body"],
                created_by=request.user,
                subtitle=data["subtitle"],
                byline=data["byline"],
                source_url=data["source_url"],
                published_on=data["published_on"],
                language=data["language"] or "en",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(article)
    return render(request, "articles/article_form.html", {"form": form})
