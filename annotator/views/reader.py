"""The reader: an article's text with its highlights and sidebar, and the writes made
from it (tag a span, change or delete an annotation, undo a delete).

The page's script sends its writes with `Accept: application/json` and gets back the
change itself (the same event every other reader receives on its stream), which it
applies in place; nothing re-renders the reader. Without the script, a form post
redirects back to the page as before.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator import events, forms, live, services
from annotator.models import Annotation, Tag
from annotator.selectors import reader as selectors
from annotator.selectors import revisions
from annotator.views._htmx import HtmxHttpRequest, message_of, safe_next
from articles.models import Article


def _int_param(request, name: str) -> int | None:
    try:
        return max(0, int(request.GET[name]))
    except (KeyError, ValueError):
        return None


def _wants_json(request) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _error(request, back, error, *, status: int = 400, code: str = "", **extra):
    """A sentence for the person: JSON for the page's script, else a message and a
    redirect to `back`."""
    text = message_of(error) if isinstance(error, ValidationError) else str(error)
    if _wants_json(request) or request.htmx:
        if not code and isinstance(error, ValidationError):
            code = _code_of(error)
        return JsonResponse({"detail": text, "code": code or "invalid", **extra}, status=status)
    messages.error(request, text)
    return redirect(back)


def _refused(request, back, error: PermissionDenied | ValidationError):
    """The answer to a write the service refused: 403 when it is not this person's to
    make, 409 when it was based on a version that is no longer current, else 400."""
    if isinstance(error, PermissionDenied):
        return _error(request, back, error, status=403, code="permission_denied")
    if isinstance(error, services.StaleVersion):
        return _error(request, back, error, status=409, code="stale")
    return _error(request, back, error)


def _code_of(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            return next((e.code for e in errors if e.code), field)
    return next((e.code for e in error.error_list if e.code), "invalid")


def _delta(instance, *, status: int = 200, **extra) -> JsonResponse:
    """The event a write recorded, as its response; a replayed create has none, so its
    current state goes instead (with no id, which the page then does not track)."""
    event = getattr(instance, "event", None)
    if event is not None:
        body = events.as_json(event)
    else:
        body = {
            "id": None,
            "kind": "annotation.created",
            "actor": instance.author.username,
            "data": events.annotation_payload(instance),
        }
    return JsonResponse({"event": body, **extra}, status=status)


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    if "revision" in request.GET:
        # An earlier revision, read-only, with the annotations as they were then.
        context = revisions.reader_at_revision(article, request.GET["revision"])
        return render(request, "annotator/article_revision.html", context)
    offset = _int_param(request, "offset")
    after = selectors.parse_after(request.GET.get("after"))
    through = _int_param(request, "through")
    if request.htmx and (offset is not None or after is not None):
        # "Show more" in the sidebar: only the next items, not the whole reader.
        context = selectors.sidebar_more(
            article, request.user, request.GET, offset=offset or 0, after=after, through=through
        )
        return render(request, "annotator/article_detail.html#annotation-items", context)
    context = selectors.reader_context(
        article, request.user, request.GET, end=(offset or 0) + selectors.LIST_PAGE
    )
    context["since"] = live.latest_event_id()
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "annotator/article_detail.html#reader", context)
    return render(request, "annotator/article_detail.html", context)


@require_POST
def annotation_create(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    form = forms.AnnotationCreateForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form))
    data = form.cleaned_data
    key = request.headers.get("Idempotency-Key") or data.get("idempotency_key") or None
    try:
        annotation = services.annotation_create(
            article=article,
            author=request.user,
            start=data["start"],
            end=data["end"],
            tag=data["tag"],
            note=data["note"],
            quote=data["quote"] if "quote" in request.POST else None,
            idempotency_key=key,
        )
    except services.AlreadyTagged as error:
        existing = error.existing
        return _error(
            request,
            article,
            error,
            status=409,
            code="already_tagged",
            existing={"id": existing.pk, "author": existing.author.username},
        )
    except ValidationError as error:
        return _error(request, article, error)
    if not _wants_json(request):
        return redirect(article)
    return _delta(annotation, status=201, replayed=getattr(annotation, "replayed", False))


def _live_annotation(annotation_id: int) -> Annotation:
    return get_object_or_404(
        Annotation.objects.live().select_related("article", "tag"), pk=annotation_id
    )


def _edit_form(request, annotation, *, merge=None, status=200):
    context = {"annotation": annotation, "tags": Tag.objects.all(), "merge": merge}
    if request.htmx:
        return render(request, "annotator/annotation_form.html#edit-form", context, status=status)
    return render(request, "annotator/annotation_form.html", context, status=status)


def _merge(annotation: Annotation, base_version: int, mine: dict, message: str) -> dict:
    """What the edit form shows after a stale save: the three-way merge of my change
    with theirs, against the version my edit started from."""
    theirs = {"tag": annotation.tag.key, "note": annotation.note}
    base = services.annotation_at_version(annotation, base_version) or theirs
    merged, conflicts = services.merge_edit(base=base, mine=mine, theirs=theirs)
    labels = dict(Tag.objects.values_list("key", "label"))
    choice = {
        field: {"mine": m, "theirs": t, "mine_label": labels.get(m, m),
                "theirs_label": labels.get(t, t)}
        for field, (m, t) in conflicts.items()
    }  # fmt: skip
    return {
        "message": message,
        "values": merged,
        "theirs_kept": [
            f for f in services.EDITABLE_FIELDS if theirs[f] != base[f] and f not in conflicts
        ],
        "mine_changed": [f for f in services.EDITABLE_FIELDS if mine[f] != base[f]],
        "conflicts": list(conflicts),
        "tag_conflict": choice.get("tag"),
        "note_conflict": choice.get("note"),
    }


@require_http_methods(["GET", "POST"])
def annotation_update(request: HtmxHttpRequest, annotation_id: int):
    annotation = _live_annotation(annotation_id)
    article = annotation.article
    if request.method == "GET":
        if not annotation.is_editable_by(request.user):
            raise PermissionDenied(_("Only the author can change this annotation."))
        return _edit_form(request, annotation)
    form = forms.AnnotationUpdateForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form))
    data = form.cleaned_data
    try:
        changed = services.annotation_update(
            annotation=annotation,
            actor=request.user,
            version=data["version"],
            tag=data["tag"],
            note=data["note"],
        )
    except services.StaleVersion as error:
        # Merge my change with theirs against the version my edit started from; show
        # the result (and any field we both changed) so I can apply it on top.
        mine = {"tag": data["tag"], "note": data["note"].strip()}
        message = _(
            "This annotation was changed by %(name)s meanwhile (now version %(version)s)."
        ) % {"name": error.changed_by, "version": error.current.version}
        merge = _merge(error.current, data["version"], mine, message)
        context = {"annotation": error.current, "tags": Tag.objects.all(), "merge": merge}
        html = render_to_string(
            "annotator/annotation_form.html#edit-form", context, request=request
        )
        if _wants_json(request):
            return JsonResponse(
                {"detail": merge["message"], "code": "stale", "html": html}, status=409
            )
        return _edit_form(request, error.current, merge=merge, status=409)
    except (PermissionDenied, ValidationError) as error:
        return _refused(request, article, error)
    if not _wants_json(request):
        return redirect(article)
    return _delta(changed)


@require_POST
def annotation_adjust(request: HtmxHttpRequest, annotation_id: int):
    """Move the ends of an annotation's span (the reader's Adjust mode): its thread,
    verdicts (now on an earlier version) and history stay with it."""
    annotation = _live_annotation(annotation_id)
    article = annotation.article
    form = forms.AnnotationAdjustForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form))
    data = form.cleaned_data
    try:
        changed = services.annotation_update(
            annotation=annotation,
            actor=request.user,
            version=data["version"],
            start=data["start"],
            end=data["end"],
            quote=data["quote"],
        )
    except (PermissionDenied, ValidationError) as error:
        return _refused(request, article, error)
    if not _wants_json(request):
        return redirect(article)
    return _delta(changed)


@require_POST
def annotation_delete(request: HtmxHttpRequest, annotation_id: int):
    annotation = _live_annotation(annotation_id)
    article = annotation.article
    form = forms.AnnotationDeleteForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form))
    try:
        deleted = services.annotation_delete(
            annotation=annotation, actor=request.user, version=form.cleaned_data["version"]
        )
    except (PermissionDenied, ValidationError) as error:
        return _refused(request, article, error)
    if not _wants_json(request):
        messages.success(
            request, _("Annotation deleted. It stays in the history, where you can restore it.")
        )
        return redirect(article)
    undo = {
        "url": reverse("annotator:annotation_restore", args=[deleted.pk]),
        "version": deleted.version,
        "quote": deleted.short_quote,
    }
    return _delta(deleted, undo=undo)


@require_POST
def annotation_restore(request: HtmxHttpRequest, annotation_id: int):
    """Undo a delete, or (with `revision`) return an annotation to an earlier revision."""
    annotation = get_object_or_404(Annotation.objects.select_related("article"), pk=annotation_id)
    article = annotation.article
    back = safe_next(request, reverse("annotator:article_history", args=[article.slug]))
    form = forms.AnnotationRestoreForm(request.POST)
    if not form.is_valid():
        return _error(request, back, forms.first_error(form))
    try:
        restored = services.annotation_restore(
            annotation=annotation,
            actor=request.user,
            revision=form.cleaned_data["revision"],
            version=form.cleaned_data["version"],
        )
    except (PermissionDenied, ValidationError) as error:
        return _refused(request, back, error)
    if _wants_json(request):
        return _delta(restored)
    what = restored.history.first().history_change_reason
    messages.success(
        request,
        _("Annotation “%(quote)s” %(what)s.") % {"quote": restored.short_quote, "what": what},
    )
    return redirect(back)


@require_GET
def guidelines(request: HtmxHttpRequest):
    return render(request, "annotator/guidelines.html", {"tags": Tag.objects.all()})
