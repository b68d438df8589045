"""API pagination. Its own module because DRF imports it while building its generic views,
before annotator.api (which uses those views) can be imported."""

import base64
import binascii
from datetime import UTC, datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 1000


class Pagination(PageNumberPagination):
    """{"count", "next", "previous", "results"}; ?page= and ?page_size= (at most 1000)."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CursorConflict(exceptions.APIException):
    status_code = 409
    default_code = "cursor_stale"
    default_detail = (
        "The article was revised since this listing began, so its offsets changed. "
        "Start again from the first page."
    )


class KeysetPagination(BasePagination):
    """Pages in (start, id) order that cost the same wherever they are in the article.

    `?page_size=` (1 to 1000, default 100); `next` carries a cursor: the (start, id) of
    the last annotation shown, the moment the listing began (`as_of`) and the article's
    version. Each page is an index range scan from the cursor (annotation_article_keyset),
    never an OFFSET or a count, so page 20 costs what page 1 does.

    A listing shows every annotation once: later pages leave out annotations created or
    changed after `as_of` (moved ones included, so none is shown twice or skipped in a
    way the client cannot see); `?since=<as_of>` fetches those. A revision of the
    article moves offsets under the cursor, so a cursor from before one is refused with
    409.
    """

    page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def page_size_of(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {
                    "page_size": _("page_size must be a whole number from 1 to %(max)s.")
                    % {"max": number_format(MAX_PAGE_SIZE, force_grouping=True)}
                },
                code="page_size",
            )
        return int(raw)

    def decode_cursor(self, request) -> tuple[int, int, datetime, int] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            text = base64.urlsafe_b64decode(raw.encode("ascii") + b"==").decode("ascii")
            start, pk, micros, version = (int(part) for part in text.split(".", 3))
            as_of = datetime.fromtimestamp(micros / 1_000_000, UTC)
            if min(start, pk, version) < 0:
                raise ValueError
        except (ValueError, UnicodeError, binascii.Error, OverflowError, OSError):
            raise exceptions.ValidationError(
                {
                    "cursor": _(
                        "This cursor is not one this API gave out; start from the first page."
                    )
                },
                code="cursor",
            ) from None
        return start, pk, as_of, version

    @staticmethod
    def encode_cursor(start: int, pk: int, as_of: datetime, version: int) -> str:
        micros = round(as_of.timestamp() * 1_000_000)
        text = f"{start}.{pk}.{micros}.{version}".encode("ascii")
        return base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")

    def paginate_queryset(self, queryset, request, view=None, *, version: int = 0):
        """One page of `queryset` (values_list rows starting with start and id), and
        remember what `next` needs. `version` is the article's."""
        return self.close(list(self.page_of(queryset, request, version=version)))

    def begin(self, request, *, version: int) -> tuple[int, int] | None:
        """Read this page's size and cursor from `request` (400 when malformed, 409 when
        from before a revision: `version` is the article's) and remember what `next`
        needs. Returns the (start, id) the page continues after, or None on the first
        page; `as_of` is then set: later pages leave out rows modified after it."""
        self.size = self.page_size_of(request)
        cursor = self.decode_cursor(request)
        self.request, self.version = request, version
        if cursor is None:
            self.as_of = timezone.now()
            return None
        start, pk, self.as_of, cursor_version = cursor
        if cursor_version != version:
            raise CursorConflict()
        return start, pk

    def page_of(self, queryset, request, *, version: int):
        """`queryset` narrowed to this page plus one row (which says whether there is a
        next page), in (start, id) order; pass the rows read to close()."""
        after = self.begin(request, version=version)
        if after is not None:
            start, pk = after
            # start >= s narrows the index range; the OR keeps ties on start in id order.
            queryset = queryset.filter(
                Q(start__gt=start) | Q(start=start, id__gt=pk), start__gte=start
            ).exclude(modified__gt=self.as_of)
        return queryset.order_by("start", "id")[: self.size + 1]

    def close(self, rows: list) -> list:
        """The page's rows (each starting with start and id), without the look-ahead."""
        self.has_next = len(rows) > self.size
        return rows[: self.size]

    def next_link(self, last) -> str | None:
        if not self.has_next:
            return None
        cursor = self.encode_cursor(last[0], last[1], self.as_of, self.version)
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def first_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response(self, data, last=None):
        return Response(
            {"next": self.next_link(last), "as_of": self.as_of.isoformat(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "as_of", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last one. There is no "
                    "count: every page costs the same, and counting would not.",
                },
                "as_of": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When this listing began. Later pages leave out "
                    "annotations created or changed after it; ?since=<as_of> lists those.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Annotations per page, 1 to {MAX_PAGE_SIZE:,} (default "
                f"{self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where to continue: copied from `next`.",
                "schema": {"type": "string"},
            },
        ]
