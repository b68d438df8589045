"""Export and import of annotations over the API, in the formats of annotator.formats."""

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import formats, services
from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import (
    ContentLengthLimit,
    JsonOnlyNegotiation,
    RawBodyParser,
    read_body,
)
from annotator.formats import background
from annotator.models import ImportJob
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


def _wants_async(request) -> bool:
    """RFC 7240: `Prefer: respond-async` asks for a 202 and a task whatever the size."""
    prefer = request.headers.get("Prefer", "")
    return any(p.strip().lower() == "respond-async" for p in prefer.split(","))


class ImportView(ContentLengthLimit, APIView):
    """Import a file (the request body, up to 50 MiB) as annotations by you, all or
    nothing. Over settings.IMPORT_BACKGROUND_RECORDS records (or with
    `Prefer: respond-async`) it runs as a background task: 202 with the task's URL."""

    content_negotiation_class = JsonOnlyNegotiation
    parser_classes = [RawBodyParser]

    def body_limit(self) -> int:
        return settings.IMPORT_MAX_BYTES

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=formats.IMPORT_FORMATS, required=True),
            OpenApiParameter(
                "Prefer",
                str,
                OpenApiParameter.HEADER,
                description="`respond-async`: run as a background task (202) whatever the size.",
            ),
        ],
        request={
            "application/ld+json": OpenApiTypes.OBJECT,
            "application/x-ndjson": OpenApiTypes.STR,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={
            201: serializers.ImportResultSerializer,
            202: OpenApiResponse(
                serializers.ImportTaskSerializer,
                description=(
                    "A large file (over 10,000 records: DJANGO_IMPORT_BACKGROUND_RECORDS) "
                    "runs as a background task; `Location` and `task` name its URL."
                ),
            ),
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
        data = read_body(request, self.body_limit())
        records = formats.parse(fmt, data)  # a file that cannot be read: 400 at once
        if len(records) > settings.IMPORT_BACKGROUND_RECORDS or _wants_async(request):
            job = background.import_enqueue(
                user=request.user, source=ImportJob.Source.API, fmt=fmt, name="",
                data=data, total=len(records),
            )  # fmt: skip
            body = _task_data(request, job)
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["task"]}
            )
        result = formats.import_records(records, actor=request.user)
        return Response(
            serializers.ImportResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


def _task_data(request, job: ImportJob) -> dict:
    body = {
        "task": request.build_absolute_uri(reverse("api:import_task", args=[job.pk])),
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
    }
    if job.status == ImportJob.Status.DONE:
        body["result"] = job.result
    elif job.status == ImportJob.Status.FAILED:
        body["error"] = job.error
    return body


class ImportTaskView(APIView):
    """A background import: its status (queued, running, done, failed), its progress
    (records written of the total), and when done the answer the import would have
    given (201's body), or when failed the error (nothing was written). Only the
    person who started it, or an admin, can read it."""

    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(responses={200: serializers.ImportTaskSerializer, **errors(401, 404)})
    def get(self, request, pk):
        job = ImportJob.objects.filter(pk=pk).first()
        if job is None or not job.is_visible_to(request.user):
            raise Http404
        job = services.import_job_refresh(job)  # failed, if its worker ended mid-way
        return Response(_task_data(request, job))


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
