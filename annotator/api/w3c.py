"""The annotations as a W3C Web Annotation collection served page by page, the pages
linking each other by IRI (`first`, `last`, `next`, `prev`, `partOf`), as the model
and its protocol want; filters as for the export. The download (/api/export/?format=w3c)
is one file holding one page instead."""

import json
import math
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from annotator import formats
from annotator.api.errors import errors
from annotator.api.http import JsonOnlyNegotiation
from annotator.formats import w3c
from annotator.formats.records import RevisionDates, rows
from annotator.selectors.filters import ExportFilter

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _whole(value: str | None, name: str, default: int, top: int | None = None) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1 or (top is not None and int(value) > top):
        limit = f" from 1 to {top}" if top else " of at least 1"
        raise ValidationError({name: [f"{name} must be a whole number{limit}."]})
    return int(value)


def _ld(document: dict) -> HttpResponse:
    return HttpResponse(json.dumps(document, ensure_ascii=False), content_type=w3c.CONTENT_TYPE)


class W3CCollectionView(APIView):
    """GET: the AnnotationCollection (total, first, last); with ?page=N, that
    AnnotationPage (items, next, prev, partOf). ?page_size= (1 to 1000, default 100)."""

    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="A page number: that AnnotationPage."),
            OpenApiParameter("page_size", int, description="Annotations per page, 1-1000."),
            *(OpenApiParameter(name, str) for name in ExportFilter.base_filters),
        ],
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT, **errors(400, 401, 404)},
    )
    def get(self, request):
        params = request.query_params.copy()
        page = _whole(params.pop("page", [None])[-1], "page", 0)
        size = _whole(params.get("page_size"), "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        queryset = formats.export_queryset(params, user=request.user)
        base = request.build_absolute_uri(request.path)
        query = urlencode(sorted(params.items()))
        collection_id = f"{base}?{query}" if query else base

        def page_url(number: int) -> str:
            return f"{base}?{urlencode(sorted(params.items()) + [('page', number)])}"

        total = queryset.count()
        pages = max(1, math.ceil(total / size))
        if not page:
            return _ld(
                {
                    "@context": w3c.ANNO_CONTEXT,
                    "id": collection_id,
                    "type": "AnnotationCollection",
                    "label": "Claimmark annotations",
                    "total": total,
                    "first": page_url(1),
                    "last": page_url(pages),
                }
            )
        if page > pages:
            raise NotFound(
                _("There is no page %(page)s: this collection has %(pages)s.")
                % {"page": page, "pages": pages}
            )
        start = (page - 1) * size
        base_url = request.build_absolute_uri("/").rstrip("/")
        dates, sources = RevisionDates(), {}
        items = []
        for annotation in rows(queryset[start : start + size], reviews=False):
            source = sources.setdefault(
                annotation.article_id, f"{base_url}{annotation.article.get_absolute_url()}"
            )
            items.append(
                w3c.w3c_annotation(annotation, source=source, base_url=base_url, dates=dates)
            )
        document = {
            "@context": w3c.ANNO_CONTEXT,
            "id": page_url(page),
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": start,
        }
        if page < pages:
            document["next"] = page_url(page + 1)
        if page > 1:
            document["prev"] = page_url(page - 1)
        return _ld(document | {"items": items})
