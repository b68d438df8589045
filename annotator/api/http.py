"""HTTP plumbing the API views share: conditional requests (If-Match), body limits,
and content negotiation for the transfer endpoints."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser

from annotator.api.errors import PayloadTooLarge, PreconditionRequired
from articles.models import Article


def if_match_version(request, obj, *, kind: str = "", what: str = "annotation") -> int | None:
    """The version the client edited, from If-Match; None for "*" (any version).

    ETags are `"<pk>-<version>"` for annotations and `"a<pk>-<version>"` (kind "a") for
    articles; see Annotation.etag and Article.etag.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired(what)
    if header == "*":
        return None
    # Strong comparison (RFC 9110, 13.1.1): a weak tag (W/"...") never matches, so it
    # reads as stale (412) like any tag that names no current version.
    for candidate in header.split(","):
        match = re.fullmatch(rf'\s*"{kind}(\d+)-(\d+)"\s*', candidate)
        if match and int(match.group(1)) == obj.pk:
            return int(match.group(2))
    # An ETag that names nothing current is stale by definition.
    return 0


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Ignore ?format=, which names an export format here, not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class RawBodyParser(BaseParser):
    """The import reads the body itself; any content type is accepted."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


class LengthRequired(exceptions.APIException):
    status_code = 411
    default_code = "length_required"
    default_detail = (
        "Send the file with a Content-Length header: a body sent in chunks (Transfer-Encoding: "
        "chunked) is not read here. curl --data-binary @file sends one."
    )


class ContentLengthLimit:
    """Refuse an announced body over the limit before reading it: 413 JSON."""

    def body_limit(self) -> int | None:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = self.body_limit()
        if limit is not None and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(limit)
        super().initial(request, *args, **kwargs)


def read_body(request, limit: int) -> bytes:
    """The request body of a file upload, read as a stream a mebibyte at a time (not
    through `request.body`, which stops at DATA_UPLOAD_MAX_MEMORY_SIZE); 413 past
    `limit`. Never silently empty: a body sent in chunks (which the servers hand to
    Django as empty) is a 411, an empty one a 400."""
    parts, size = [], 0
    while chunk := request._request.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        parts.append(chunk)
    if parts:
        return b"".join(parts)
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raise LengthRequired()
    raise ValidationError(
        _("The request body is empty: send the file as the body."), code="empty"
    )


class IsAuthorOrReadOnly(permissions.BasePermission):
    message = "Only the author can change or delete this annotation."

    def has_object_permission(self, request, view, obj):
        # Restoring has its own rule (the author or an admin), checked by the service.
        if request.method in permissions.SAFE_METHODS or view.action in {"restore"}:
            return True
        if view.action == "destroy":
            return obj.is_deletable_by(request.user)
        # A curator may select the span of a flagged annotation again; the service
        # says exactly what each person may change.
        return obj.is_editable_by(request.user) or obj.is_reanchorable_by(request.user)


def get_article(queryset, slug: str) -> Article:
    """The article with this slug from `queryset`, or a JSON 404."""
    # PostgreSQL refuses to compare with text holding NUL: no such slug can exist.
    if "\x00" in slug:
        raise Http404
    return get_object_or_404(queryset, slug=slug)


# What a create reads of its article: the offsets are checked against the text.
ANNOTATING_FIELDS = ("id", "slug", "version", "text", "language")


def get_article_fields(slug: str, names=ANNOTATING_FIELDS) -> Article:
    """get_article(Article.objects.only(*names), slug) in one plain statement: for the
    busiest endpoints (an article's annotations: create, list) the ORM spent three
    times the CPU of the query itself on this first read."""
    if "\x00" in slug:
        raise Http404
    # Model.from_db takes a partial row's values in the model's own field order.
    fields = [f for f in Article._meta.concrete_fields if f.name in names]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(f.column) for f in fields)} "  # noqa: S608 - names from the model
            f"FROM {quote(Article._meta.db_table)} WHERE {quote('slug')} = %s",
            [slug],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return Article.from_db("default", [f.attname for f in fields], row)
