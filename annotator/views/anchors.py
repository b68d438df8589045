"""Anchors to check: after a revision, the annotations that moved with the text or lost
their words, and the page where their author (or a curator) selects the words again,
confirms a moved one, or deletes it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator import forms, services
from annotator.models import Annotation, Tag
from annotator.rendering import render_text
from annotator.selectors import revisions as selectors
from annotator.views._htmx import HtmxHttpRequest, message_of
from articles.models import Article

# At most this many places are offered when typed words appear more than once.
CHOICES = 12


@require_GET
def anchor_list(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    items = selectors.anchors_to_check(article, request.user)
    return render(
        request,
        "annotator/anchor_list.html",
        {
            "article": article,
            "items": items,
            "tags": Tag.objects.all(),
            "mine": sum(i.annotation.author_id == request.user.pk for i in items),
        },
    )


def _annotation(annotation_id: int) -> Annotation:
    return get_object_or_404(
        Annotation.objects.live().select_related("article", "tag", "author"), pk=annotation_id
    )


def _page(request, annotation, *, error="", choices=None, status=200, words=""):
    article = annotation.article
    spans = choices
    context = {
        "annotation": annotation,
        "article": article,
        "tags": Tag.objects.all(),
        "error": error,
        "words": words,
        "choosing": choices is not None,
        "suggestions": selectors.anchor_suggestions(annotation, article.text, spans=spans),
        "text_html": render_text(article.text, []),
        "current": (
            article.text[annotation.start : annotation.end]
            if annotation.anchor == Annotation.Anchor.MOVED
            else ""
        ),
    }
    return render(request, "annotator/annotation_anchor.html", context, status=status)


@require_http_methods(["GET", "POST"])
def annotation_anchor(request: HtmxHttpRequest, annotation_id: int):
    annotation = _annotation(annotation_id)
    if not annotation.is_reanchorable_by(request.user):
        raise PermissionDenied(
            _(
                "Only its author, or a curator while it needs checking, can select this "
                "annotation's words again."
            )
        )
    if request.method == "GET":
        return _page(request, annotation)
    form = forms.AnchorForm(request.POST)
    if not form.is_valid():
        return _page(
            request, annotation, error=forms.first_error(form).removeprefix("__all__: "), status=400
        )
    data = form.cleaned_data
    start, end, quote = data["start"], data["end"], data["quote"] or None
    if start is None or end is None:
        words = data["words"].strip()
        text = annotation.article.text
        places = []
        at = text.find(words)
        while at != -1 and len(places) <= CHOICES:
            places.append((at, at + len(words)))
            at = text.find(words, at + 1)
        if not places:
            return _page(
                request, annotation, status=400, words=words,
                error="These words are not in the article as typed. Check spelling, spaces "
                "and punctuation, or select them in the text.",
            )  # fmt: skip
        if len(places) > 1:
            return _page(request, annotation, choices=places[:CHOICES], words=words)
        (start, end), quote = places[0], words
    try:
        updated = services.annotation_update(
            annotation=annotation, actor=request.user, version=data["version"],
            start=start, end=end, quote=quote,
        )  # fmt: skip
    except ValidationError as error:
        annotation.refresh_from_db()
        return _page(
            request,
            annotation,
            error=message_of(error),
            status=409 if isinstance(error, services.StaleVersion) else 400,
        )
    messages.success(request, _("“%(quote)s” is anchored again.") % {"quote": updated.short_quote})
    return redirect(reverse("annotator:anchor_list", args=[annotation.article.slug]))


@require_POST
def annotation_anchor_delete(request: HtmxHttpRequest, annotation_id: int):
    annotation = _annotation(annotation_id)
    back = reverse("annotator:anchor_list", args=[annotation.article.slug])
    form = forms.AnnotationDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return redirect(back)
    try:
        deleted = services.annotation_delete(
            annotation=annotation, actor=request.user, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        messages.error(request, message_of(error))
        return redirect(back)
    messages.success(
        request,
        _(
            "Annotation “%(quote)s” deleted. It stays in the history, where its author or an "
            "admin can restore it."
        )
        % {"quote": deleted.short_quote},
    )
    return redirect(back)
