"""Live updates: the event streams a reader (or any page, for its badge) keeps open,
and the small notices a page sends back (typing in a thread, leaving).

The streams live under annotator.asgi.STREAM_PREFIX ("/stream/"), which production
serves on Django's ASGI handler: there the response is an async generator, a coroutine
per idle connection. Under a WSGI server (runserver, pytest's live_server) the same
view returns a sync generator, a thread per connection, which is fine for one person
developing. EventSource cannot follow a sign-in redirect, so an anonymous request gets
a plain 401 rather than LoginRequiredMiddleware's redirect.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connections
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from annotator import live
from annotator.models import Annotation
from annotator.views._htmx import HtmxHttpRequest
from articles.models import Article


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _since(request) -> int | None:
    """The last event id the page has seen: the Last-Event-ID header a reconnecting
    EventSource sends, else ?since= from the page."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("since") or "0"
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if 0 <= value < 2**63 else None


def _stream(request, article_id: int | None):
    since = _since(request)
    if since is None:
        return _text("Last-Event-ID and since must be a whole number of 0 or more.", 400)
    try:
        subscriber, first = live.open_stream(article_id=article_id, user=request.user, since=since)
    finally:
        # The stream may stay open for hours; it must not keep a database connection.
        for conn in connections.all(initialized_only=True):
            conn.close()
    if isinstance(request, ASGIRequest):
        body = live.stream_async(subscriber, first)
    else:
        body = live.stream_sync(subscriber, first)
    response = StreamingHttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@login_not_required
@require_GET
def article_stream(request, slug: str):
    """The events of one article, for a reader that has it open."""
    if not request.user.is_authenticated:
        return _text("Sign in to follow this article.", 401)
    article = get_object_or_404(Article.objects.only("pk"), slug=slug)
    return _stream(request, article.pk)


@login_not_required
@require_GET
def my_stream(request):
    """Only the signed-in person's unread count, for pages other than the reader."""
    if not request.user.is_authenticated:
        close_old_connections()
        return _text("Sign in to follow your notifications.", 401)
    return _stream(request, None)


@require_POST
def presence(request: HtmxHttpRequest, slug: str):
    """The page says its person is typing in a thread (`typing`: an annotation id, or
    empty when they stop), or that it is leaving (`leave`: its stream's id)."""
    article = get_object_or_404(Article.objects.only("pk"), slug=slug)
    hub = live.hub()
    leave = request.POST.get("leave")
    if leave:
        hub.close_connection(leave[:64], request.user.pk)
        return HttpResponse(status=204)
    raw = request.POST.get("typing", "")
    annotation_id = None
    if raw:
        if not raw.isdigit():
            return JsonResponse({"detail": _("typing must be an annotation id.")}, status=400)
        annotation_id = int(raw)
        if not Annotation.objects.live().filter(pk=annotation_id, article=article).exists():
            return JsonResponse(
                {"detail": "There is no such annotation on this article."}, status=404
            )
    hub.typing(article.pk, live.reader_of(request.user), annotation_id)
    return HttpResponse(status=204)
