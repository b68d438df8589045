"""REST API for annotations, export and import.

Services raise Django's ValidationError / PermissionDenied and StaleVersion; the
exception handler below is the one place that turns them (and DRF's own errors) into
JSON {"detail", "code"} with a sentence a person understands.
"""

import re
from datetime import date

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import exceptions as django_exceptions
from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from annotator import export, history, imports, serializers, services
from annotator.models import Annotation, Tag
from articles.api import get_article
from articles.models import Article

# Errors ------------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send an If-Match header with the annotation's ETag (from GET) so a change made "
        "meanwhile by someone else is not overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is larger than the limit of {limit:,} bytes.")


FRIENDLY = {
    "not_authenticated": "Sign in first: send 'Authorization: Token <key>' or a session cookie.",
    "authentication_failed": "That token is not valid. Get a new one from /api/token/.",
    "not_found": "There is nothing here; it may have been deleted or never existed.",
}


def _messages(detail) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {field path: [messages]}."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            for sub, messages in _messages(value).items():
                name = key if sub == "non_field_errors" else f"{key}.{sub}" if sub else key
                flat.setdefault(name, []).extend(messages)
        return flat
    if isinstance(detail, list):
        flat = {}
        for index, value in enumerate(detail):
            for sub, messages in _messages(value).items():
                name = sub if not isinstance(value, dict | list) else f"{index}.{sub}".strip(".")
                flat.setdefault(name, []).extend(messages)
        return flat
    return {"": [str(detail)]}


def _first_code(detail) -> str:
    if isinstance(detail, dict):
        return next((_first_code(v) for v in detail.values()), "invalid")
    if isinstance(detail, list):
        return next((_first_code(v) for v in detail), "invalid")
    return getattr(detail, "code", None) or "invalid"


def _error_body(detail, code: str) -> dict:
    fields = _messages(detail)
    sentences = [
        f"{name}: {message}" if name and name not in {"non_field_errors", "__all__"} else message
        for name, messages in fields.items()
        for message in messages
    ]
    body = {"detail": " ".join(sentences) or "The request is not valid.", "code": code}
    named = {k: v for k, v in fields.items() if k and k not in {"non_field_errors", "__all__"}}
    if named:
        body["fields"] = named
    return body


def _from_django_validation(error: django_exceptions.ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        detail = error.message_dict
        # Django drops the code of ValidationError({field: message}, code=...); the field
        # name is the next most stable key.
        codes = [
            e.code or field
            for field, errors in error.error_dict.items()
            for e in errors
            if e.code or field != "__all__"
        ]
    else:
        detail = {"": error.messages}
        codes = [e.code for e in error.error_list if e.code]
    return _error_body(detail, codes[0] if codes else "invalid")


def exception_handler(exc, context):
    """Every API error as {"detail": sentence, "code": key}, never an HTML page."""
    if isinstance(exc, services.StaleVersion):
        body = {"detail": exc.messages[0], "code": "stale"}
        return Response(body, status=412, headers={"ETag": etag(exc.current)})
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, django_exceptions.ValidationError):
        return Response(_from_django_validation(exc), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, django_exceptions.PermissionDenied):
        detail = str(exc) or "You are not allowed to do this."
        exc = exceptions.PermissionDenied(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(FRIENDLY["not_found"])
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(f"The request body could not be read: {exc.detail}")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _first_code(exc.detail) if hasattr(exc, "detail") else "error"
    if isinstance(exc, exceptions.ValidationError):
        response.data = _error_body(exc.detail, code)
    else:
        detail = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        response.data = {"detail": FRIENDLY.get(code, detail), "code": code}
    return response


ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="Invalid request."),
    401: OpenApiResponse(serializers.ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(serializers.ErrorSerializer, description="No such object."),
    413: OpenApiResponse(serializers.ErrorSerializer, description="Body over 1 MiB."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


CONDITIONAL_ERRORS = {
    412: OpenApiResponse(
        serializers.ErrorSerializer,
        description="If-Match is not the current ETag; the response carries the current one.",
    ),
    428: OpenApiResponse(serializers.ErrorSerializer, description="If-Match is missing."),
}


# Helpers -----------------------------------------------------------------------------------


def etag(annotation: Annotation) -> str:
    return f'"{annotation.pk}-{annotation.version}"'


def _if_match_version(request, annotation: Annotation) -> int | None:
    """The version the client edited, from If-Match; None for "*" (any version)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if header == "*":
        return None
    for candidate in header.split(","):
        match = re.fullmatch(r'\s*(?:W/)?"(\d+)-(\d+)"\s*', candidate)
        if match and int(match.group(1)) == annotation.pk:
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


class ContentLengthLimit:
    """Refuse an announced body over the limit before reading it: 413 JSON."""

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge()
        super().initial(request, *args, **kwargs)


class IsAuthorOrReadOnly(permissions.BasePermission):
    message = "Only the author can change or delete this annotation."

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or view.action in {"restore"}:
            return True
        return obj.author_id == request.user.pk


# Token -------------------------------------------------------------------------------------


class TokenView(ContentLengthLimit, APIView):
    """Exchange a user name and password for an API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    # Password guessing: a few tries a minute per address, then 429.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={
            200: serializers.TokenSerializer,
            **errors(400, 413),
            429: OpenApiResponse(serializers.ErrorSerializer, description="Too many tries."),
        },
        auth=[],
    )
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request=request, **data.validated_data)
        if user is None or not user.is_active:
            raise django_exceptions.ValidationError(
                "The user name or password is not right.", code="invalid_credentials"
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# Annotations -------------------------------------------------------------------------------

LIST_FILTERS = [
    OpenApiParameter("tag", str, description="Only this tag key (fact, opinion, ...)."),
    OpenApiParameter("author", str, description="Only annotations by this user name."),
    OpenApiParameter("status", str, enum=[s.value for s in Annotation.Status]),
    OpenApiParameter(
        "since", OpenApiTypes.DATETIME, description="Changed at or after this ISO date-time."
    ),
]


def _annotations():
    # with_status() groups rows, and Django then ignores Meta.ordering: order explicitly.
    return (
        Annotation.objects.select_related("article", "author", "tag")
        .with_status()
        .order_by("start", "end", "id")
    )


class ArticleAnnotationViewSet(ContentLengthLimit, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The annotations of one article: list (with filters) and create."""

    serializer_class = serializers.AnnotationSerializer

    def _article(self) -> Article:
        return get_article(Article.objects.defer("text"), self.kwargs["slug"])

    def get_queryset(self):
        queryset = _annotations().filter(article=self._article()).live().defer("article__text")
        params = self.request.query_params
        return export.filter_annotations(
            queryset,
            tag=params.get("tag"),
            author=params.get("author"),
            status=params.get("status"),
            since=params.get("since"),
        )

    @extend_schema(
        parameters=LIST_FILTERS,
        responses={200: serializers.AnnotationSerializer(many=True), **errors(400, 401, 404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.AnnotationCreateSerializer,
        responses={201: serializers.AnnotationSerializer, **errors(400, 401, 404, 413)},
    )
    def create(self, request, slug):
        article = get_article(Article.objects.all(), slug)
        data = serializers.AnnotationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = services.annotation_create(
            article=article, author=request.user, **data.validated_data
        )
        body = serializers.AnnotationSerializer(annotation).data
        location = request.build_absolute_uri(f"/api/annotations/{annotation.pk}/")
        headers = {"ETag": etag(annotation), "Location": location}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class AnnotationViewSet(ContentLengthLimit, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One annotation. Changes need If-Match with the ETag from GET (optimistic locking)."""

    serializer_class = serializers.AnnotationSerializer
    permission_classes = [permissions.IsAuthenticated, IsAuthorOrReadOnly]
    # Any segment, so "/annotations/abc/" is DRF's JSON 404, not Django's HTML one.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if self.action in {"restore", "history"}:
            return _annotations()
        return _annotations().live()

    def finalize_response(self, request, response, *args, **kwargs):
        instance = getattr(self, "_etag_for", None)
        if instance is not None and response.status_code < 300:
            response["ETag"] = etag(instance)
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(responses={200: serializers.AnnotationSerializer, **errors(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        annotation = self._etag_for = self.get_object()
        return Response(self.get_serializer(annotation).data)

    @extend_schema(
        request=serializers.AnnotationUpdateSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        responses={
            200: serializers.AnnotationSerializer,
            **errors(400, 401, 403, 404, 413),
            **CONDITIONAL_ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        annotation = self.get_object()
        version = _if_match_version(request, annotation)
        data = serializers.AnnotationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = services.annotation_update(
            annotation=annotation, actor=request.user, version=version, **data.validated_data
        )
        self._etag_for = annotation
        return Response(self.get_serializer(_annotations().get(pk=annotation.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        responses={204: None, **errors(401, 403, 404), **CONDITIONAL_ERRORS},
    )
    def destroy(self, request, *args, **kwargs):
        annotation = self.get_object()
        version = _if_match_version(request, annotation)
        self._etag_for = services.annotation_delete(
            annotation=annotation, actor=request.user, version=version
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=serializers.RestoreSerializer,
        responses={
            200: serializers.AnnotationSerializer,
            **errors(400, 401, 403, 404),
            412: CONDITIONAL_ERRORS[412],
        },
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, *args, **kwargs):
        """Undo the soft delete of an annotation, or with {"revision": N} return it to
        revision N of its history (its author or an admin). If-Match is optional here;
        when sent, a stale one is refused with 412."""
        annotation = self.get_object()
        body = serializers.RestoreSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        version = (
            _if_match_version(request, annotation) if request.headers.get("If-Match") else None
        )
        annotation = services.annotation_restore(
            annotation=annotation,
            actor=request.user,
            revision=body.validated_data.get("revision"),
            version=version,
        )
        self._etag_for = annotation
        return Response(self.get_serializer(_annotations().get(pk=annotation.pk)).data)

    @extend_schema(
        responses={200: serializers.HistoryEntrySerializer(many=True), **errors(401, 404)}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, *args, **kwargs):
        """Every revision of the annotation, newest first, with what changed."""
        annotation = self.get_object()
        records = list(annotation.history.select_related("history_user").order_by("history_id"))
        tags = dict(Tag.objects.values_list("pk", "key"))
        entries, previous = [], None
        for record in records:
            changes = []
            if previous is not None:
                delta = record.diff_against(previous, excluded_fields=["modified"])
                for change in delta.changes:
                    old, new = change.old, change.new
                    if change.field == "tag":
                        old, new = tags.get(old, old), tags.get(new, new)
                    changes.append({"field": change.field, "old": _plain(old), "new": _plain(new)})
            entries.append(
                {
                    "revision": record.history_id,
                    "action": history.action_of(record),
                    "user": record.history_user.username if record.history_user else None,
                    "at": record.history_date,
                    "version": record.version,
                    "changes": changes,
                }
            )
            previous = record
        entries.reverse()
        return Response(serializers.HistoryEntrySerializer(entries, many=True).data)


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


# Export and import -------------------------------------------------------------------------

EXPORT_PARAMETERS = [
    OpenApiParameter("format", str, enum=list(export.EXPORT_FORMATS), required=True),
    OpenApiParameter("article", str, description="Only this article (slug)."),
    *[p for p in LIST_FILTERS if p.name != "since"],
]


class ExportView(APIView):
    """Stream annotations as W3C Web Annotation, JSON Lines, doccano or CSV."""

    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
            **errors(400, 401),
        },
    )
    def get(self, request):
        params = request.query_params
        fmt = params.get("format", "")
        if fmt not in export.EXPORT_FORMATS:
            raise django_exceptions.ValidationError(
                f"Choose a format: {', '.join(export.EXPORT_FORMATS)}.", code="format"
            )
        queryset = export.export_queryset(
            article=params.get("article"),
            tag=params.get("tag"),
            author=params.get("author"),
            status=params.get("status"),
        )
        base_url = request.build_absolute_uri("/").rstrip("/")
        chunks = export.export_stream(
            fmt, queryset, base_url=base_url, export_id=request.build_absolute_uri()
        )
        content_type, suffix = export.EXPORT_FORMATS[fmt]
        response = StreamingHttpResponse(chunks, content_type=content_type)
        name = params.get("article") or "annotations"
        response["Content-Disposition"] = f'attachment; filename="claimmark-{name}{suffix}"'
        return response


class ImportView(ContentLengthLimit, APIView):
    """Import a W3C or doccano file (the request body) as annotations by you, all or nothing."""

    content_negotiation_class = JsonOnlyNegotiation
    parser_classes = [RawBodyParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(imports.IMPORT_FORMATS), required=True)
        ],
        request={
            "application/ld+json": OpenApiTypes.OBJECT,
            "application/x-ndjson": OpenApiTypes.STR,
        },
        responses={201: serializers.ImportResultSerializer, **errors(400, 401, 413)},
    )
    def post(self, request):
        fmt = request.query_params.get("format", "")
        if fmt not in imports.IMPORT_FORMATS:
            raise django_exceptions.ValidationError(
                f"Choose an import format: {', '.join(imports.IMPORT_FORMATS)}.", code="format"
            )
        records = imports.PARSERS[fmt](request._request.body)
        result = imports.import_records(records, actor=request.user)
        return Response(
            serializers.ImportResultSerializer(result).data, status=status.HTTP_201_CREATED
        )
