"""The edit page: revise an article's title and text, seeing first what will happen to
every annotation (exact, moved with the text, orphaned), then saving that revision."""

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from annotator import forms, services
from annotator.models import Tag
from annotator.selectors import history
from annotator.views._htmx import HtmxHttpRequest, message_of
from articles.models import Article


def _fingerprint(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()


def _preview_context(plan) -> dict:
    return {
        "plan": plan,
        "counts": plan.counts,
        "flagged": [
            (carried, history.text_diff(carried.old_quote, carried.quote))
            for carried in plan.flagged
        ],
        "diff": history.condensed_diff(plan.article.text, plan.text) if plan.text_changed else [],
        "title_changed": plan.title != plan.article.title,
    }


@require_http_methods(["GET", "POST"])
def article_edit(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    if not article.is_revisable_by(request.user):
        raise PermissionDenied(
            _("Only the person who added this article, a curator or an admin can revise it.")
        )
    if request.method == "GET":
        form = forms.ArticleRevisionForm(
            initial={"title": article.title, "text": article.text, "version": article.version}
        )
        context = {"article": article, "form": form, "tags": Tag.objects.all()}
        return render(request, "annotator/article_edit.html", context)

    form = forms.ArticleRevisionForm(request.POST)
    context = {"article": article, "form": form, "tags": Tag.objects.all()}
    if not form.is_valid():
        return render(request, "annotator/article_edit.html", context, status=400)
    data = form.cleaned_data
    values = {"title": data["title"], "text": data["text"], "reason": data["reason"]}
    fingerprint = _fingerprint(data["title"], data["text"])
    saving = request.POST.get("action") == "save" and data["previewed"] == fingerprint
    try:
        if data["version"] != article.version:
            raise services.StaleArticle(article)
        if saving:
            plan = services.article_revise(
                article=article, actor=request.user, version=data["version"], **values
            )
        else:
            plan = services.article_revision_preview(article=article, actor=request.user, **values)
    except ValidationError as error:
        context["error"] = message_of(error)
        context["stale"] = isinstance(error, services.StaleArticle)
        return render(
            request, "annotator/article_edit.html", context, status=409 if context["stale"] else 400
        )
    if saving:
        return _saved(request, plan)
    if request.POST.get("action") == "save":
        context["changed_since_preview"] = True
    # Saving sends back exactly what was previewed, and says so.
    form = forms.ArticleRevisionForm(
        initial={**values, "version": data["version"], "previewed": fingerprint}
    )
    context.update(form=form, **_preview_context(plan))
    return render(request, "annotator/article_edit.html", context)


def _saved(request, plan):
    article, counts = plan.article, plan.counts
    to_check = counts["moved"] + counts["orphaned"]
    text = _("Revision %(version)s saved.") % {"version": article.version}
    if plan.text_changed:
        text += " " + ngettext(
            "%(exact)s annotation kept exactly, %(moved)s moved with the text, "
            "%(orphaned)s orphaned.",
            "%(exact)s annotations kept exactly, %(moved)s moved with the text, "
            "%(orphaned)s orphaned.",
            counts["exact"],
        ) % {"exact": counts["exact"], "moved": counts["moved"], "orphaned": counts["orphaned"]}
    messages.success(request, text)
    if to_check:
        return redirect(reverse("annotator:anchor_list", args=[article.slug]))
    return redirect(article)
