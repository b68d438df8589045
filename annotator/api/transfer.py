"""Export and import of annotations over the API, in the formats of annotator.formats."""

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import formats
from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import (
    ContentLengthLimit,
    JsonOnlyNegotiation,
    RawBodyParser,
    read_body,
)
from annotator.selectors.filters import ExportFilter


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The query parameters of a FilterSet, described for the OpenAPI schema."""
    parameters = []
    for name, definition in filterset_class.base_filters.items():
        choices = definition.extra.get("choices")
        parameters.append(
            OpenApiParameter(
                name,
                str,
                description=definition.extra.get("help_text", ""),
                enum=[value for value, _ in choices] if choices else None,
            )
        )
    return parameters


class ExportView(APIView):
    """Stream annotations as W3C Web Annotation, JSON Lines, doccano or CSV."""

    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=formats.EXPORT_FORMATS, required=True),
            *filter_parameters(ExportFilter),
        ],
        responses={
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
            **errors(400, 401),
        },
    )
    def get(self, request):
        params = request.query_params
        fmt = formats.check_format(params.get("format", ""), formats.EXPORT_FORMATS, "a format")
        queryset = formats.export_queryset(params, user=request.user)
        base_url = request.build_absolute_uri("/").rstrip("/")
        chunks = formats.export_stream(
            fmt, queryset, base_url=base_url, export_id=request.build_absolute_uri()
        )
        content_type, suffix = formats.content_type(fmt)
        response = StreamingHttpResponse(chunks, content_type=content_type)
        name = params.get("article") or "annotations"
        response["Content-Disposition"] = f'attachment; filename="claimmark-{name}{suffix}"'
        return response


class ImportView(ContentLengthLimit, APIView):
    """Import a W3C or doccano file (the request body, up to 50 MiB) as annotations by
    you, all or nothing."""

    content_negotiation_class = JsonOnlyNegotiation
    parser_classes = [RawBodyParser]

    def body_limit(self) -> int:
        return settings.IMPORT_MAX_BYTES

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=formats.IMPORT_FORMATS, required=True)],
        request={
            "application/ld+json": OpenApiTypes.OBJECT,
            "application/x-ndjson": OpenApiTypes.STR,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={
            201: serializers.ImportResultSerializer,
            **errors(400, 401, 411),
            413: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Body over 50 MiB (DJANGO_IMPORT_MAX_MB); other endpoints: 1 MiB.",
            ),
        },
    )
    def post(self, request):
        fmt = formats.check_format(
            request.query_params.get("format", ""), formats.IMPORT_FORMATS, "an import format"
        )
        records = formats.parse(fmt, read_body(request, self.body_limit()))
        result = formats.import_records(records, actor=request.user)
        return Response(
            serializers.ImportResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class LabelStudioConfigView(APIView):
    """The Label Studio labeling configuration that `?format=labelstudio` exports match:
    paste it into a project's Labeling Interface (Code) before importing the tasks."""

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.STR, **errors(401)})
    def get(self, request):
        labelstudio = formats.EXPORTERS["labelstudio"]
        response = HttpResponse(
            labelstudio.labeling_config(), content_type=labelstudio.CONFIG_CONTENT_TYPE
        )
        name = f"claimmark{labelstudio.CONFIG_SUFFIX}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
