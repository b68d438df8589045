"""The annotation API: an article's annotations (list and create) and one annotation
(read, change, delete, restore, history). Changes need If-Match with the ETag from GET."""

import functools
import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotator import services
from annotator.api import serializers
from annotator.api.errors import CONDITIONAL_ERRORS, errors
from annotator.api.http import (
    ContentLengthLimit,
    IsAuthorOrReadOnly,
    get_article,
    get_article_fields,
    if_match_version,
)
from annotator.api.pagination import KeysetPagination
from annotator.formats.records import utc_sql
from annotator.models import Annotation, Review, Tag
from annotator.selectors import filters, history
from articles.models import Article

# What the list reads per annotation, as plain values: building a model instance and
# running AnnotationSerializer for each of 1,000 rows costs several times the query.
# `start` and `id` first: the cursor of the next page is read from the last row.
ROW = (
    "start", "id", "end", "quote", "prefix", "suffix", "tag__key", "note",
    "author__username", "review_status", "anchor", "anchor_revision", "version",
    "claim_version", "settled_claim_version", "settled_tag__key", "settled_reason",
    "settled_by__username", "settled_at", "created", "modified",
)  # fmt: skip


def _when(moment, zone=None):
    """A date-time as AnnotationSerializer writes it (DRF: ISO 8601 in the current time
    zone, "Z" for UTC). `zone`: the current time zone, when the caller has it."""
    if moment is None:
        return None
    text = moment.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def annotation_data(row: tuple, slug: str, article_version: int, zone=None) -> dict:
    """The AnnotationSerializer shape of one annotation read as ROW, without building a
    model instance or a serializer (tests/annotator/test_api_speed.py holds them equal)."""
    (start, pk, end, quote, prefix, suffix, tag, note, author, status, anchor,
     anchor_revision, version, claim_version, settled_version, settled_tag, settled_reason,
     settled_by, settled_at, created, modified) = row  # fmt: skip
    settled = settled_version == claim_version
    if settled:
        final = settled_tag
    else:
        final = tag if status == Annotation.Status.ACCEPTED else None
    settlement = None
    if settled_version:
        settlement = {
            "tag": settled_tag,
            "reason": settled_reason,
            "by": settled_by,
            "at": _when(settled_at, zone),
            "claim_version": settled_version,
            "current": settled,
        }
    return {
        "id": pk, "article": slug, "start": start, "end": end, "quote": quote,
        "prefix": prefix, "suffix": suffix, "tag": tag, "note": note, "author": author,
        "status": status, "anchor": anchor, "revision": anchor_revision or article_version,
        "version": version, "claim_version": claim_version, "final_tag": final,
        "settlement": settlement, "created": _when(created, zone),
        "modified": _when(modified, zone),
    }  # fmt: skip


def _row(annotation: Annotation) -> tuple:
    """An annotation instance as ROW (its status read once: annotated, or known)."""
    settled_tag, settled_by = annotation.settled_tag, annotation.settled_by
    return (
        annotation.start, annotation.pk, annotation.end, annotation.quote, annotation.prefix,
        annotation.suffix, annotation.tag.key, annotation.note, annotation.author.username,
        annotation.status, annotation.anchor, annotation.anchor_revision, annotation.version,
        annotation.claim_version, annotation.settled_claim_version,
        settled_tag.key if settled_tag else None, annotation.settled_reason,
        settled_by.username if settled_by else None, annotation.settled_at,
        annotation.created, annotation.modified,
    )  # fmt: skip


def _utc(column: str) -> str:
    """SQL for a UTC date-time column as DRF writes it: ISO 8601, "Z"."""
    return utc_sql(f'r."{column}"', "Z")


def _json_object(*members: tuple[str | None, str, str]) -> str:
    """SQL (PostgreSQL) writing a JSON object as text from (key, SQL, kind) members, by
    concatenation: json_build_object looks up the type of each argument on every row,
    which made it most of a page's time, and writes " : " between key and value. Kinds:
    "text" (any string, escaped by to_json), "plain" (a string with nothing to escape:
    dates, choices), "number", "bool", "json" (already JSON text), "members" (already
    `"key":value,...` text, key None). NULL writes null."""
    written = {
        "text": "to_json({})::text",
        "plain": "'\"' || {} || '\"'",
        "number": "{}::text",
        "bool": "CASE WHEN {} THEN 'true' ELSE 'false' END",
        "json": "{}",
    }
    parts = []
    for index, (key, sql, kind) in enumerate(members):
        opening = "{" if index == 0 else ","
        if kind == "members":
            parts.append(f"'{opening}' || {sql}")
        else:
            value = written[kind].format(sql)
            parts.append(f"""'{opening}"{key}":' || COALESCE({value}, 'null')""")
    return "(" + " || ".join(parts) + " || '}')"


# PostgreSQL writes each listed annotation's JSON itself (the annotation_data shape, key
# for key; tests compare the two): a page of 1,000 then costs a fraction of building
# and encoding 1,000 dicts in Python. The span (with its three texts to escape) and the
# two dates are kept written out with each annotation, in columns a trigger maintains
# (migration 0024: json_span, json_stamps); the rest depends on other rows (tag, people,
# verdicts, the article's version) and is written here. The page's own query reads the
# annotation table alone (PAGE: ids, not names), so its keyset and limit run before any
# join, and only the page's rows are joined to their tags and people.
PAGE = (
    "start", "id", "end", "quote", "prefix", "suffix", "tag_id", "note", "author_id",
    "review_status", "anchor", "anchor_revision", "version", "claim_version",
    "settled_claim_version", "settled_tag_id", "settled_reason", "settled_by_id",
    "settled_at", "created", "modified",
)  # fmt: skip
_STORED = {
    name: RawSQL(f'"{Annotation._meta.db_table}"."{name}"', (), output_field=TextField())  # noqa: S611 - model names only
    for name in ("json_span", "json_stamps")
}
_STATUS, _VERDICT = Annotation.Status, Review.Verdict
# The page when nothing is filtered (nearly every listing), written out once: the ORM
# would build and compile the same statement again on every request, about a fifth of
# a page of 1,000. Its review_status is AnnotationQuerySet.with_status() word for word
# in effect (the list's tests hold the two equal); a filtered list builds its page with
# the ORM (PAGE and _STORED). The keyset is KeysetPagination.page_of()'s.
PAGE_SQL = f"""
SELECT a."start", a."id", a."end", a."quote", a."prefix", a."suffix", a."json_span",
  a."tag_id", a."note", a."author_id",
  CASE WHEN a."settled_claim_version" = a."claim_version" THEN '{_STATUS.SETTLED.value}'
    ELSE COALESCE((
      SELECT MAX(CASE WHEN v."verdict" = '{_VERDICT.DISAGREE.value}'
        THEN '{_STATUS.DISPUTED.value}' ELSE '{_STATUS.ACCEPTED.value}' END)
      FROM {Review._meta.db_table} v
      WHERE v."annotation_id" = a."id" AND v."claim_version" = a."claim_version"
    ), '{_STATUS.PENDING.value}')
  END AS "review_status",
  a."anchor", a."anchor_revision", a."version", a."claim_version",
  a."settled_claim_version", a."settled_tag_id", a."settled_reason", a."settled_by_id",
  a."settled_at", a."created", a."modified", a."json_stamps"
FROM {Annotation._meta.db_table} a
WHERE a."article_id" = %s AND a."deleted_at" IS NULL /* after */
ORDER BY a."start", a."id"
LIMIT %s
"""  # noqa: S608 - no input in the text; values are parameters
AFTER_SQL = ' AND (a."start", a."id") > (%s, %s) AND a."modified" <= %s'
_SETTLED = 'r."settled_claim_version" = r."claim_version"'
_SETTLEMENT = _json_object(
    ("tag", 'st."key"', "text"),
    ("reason", 'r."settled_reason"', "text"),
    ("by", 'sb."username"', "text"),
    ("at", _utc("settled_at"), "plain"),
    ("claim_version", 'r."settled_claim_version"', "number"),
    ("current", _SETTLED, "bool"),
)
# Each field of a listed annotation as SQL over the page's row (r), its tag (t), author
# (u), settled tag (st) and who settled it (sb), in AnnotationSerializer's order; the
# two %s are the article's slug and version.
FIELDS = {
    "id": ('r."id"', "number"),
    "article": ("%s::text", "text"),
    "start": ('r."start"', "number"),
    "end": ('r."end"', "number"),
    "quote": ('r."quote"', "text"),
    "prefix": ('r."prefix"', "text"),
    "suffix": ('r."suffix"', "text"),
    "tag": ('t."key"', "text"),
    "note": ('r."note"', "text"),
    "author": ('u."username"', "text"),
    "status": ('r."review_status"', "plain"),
    "anchor": ('r."anchor"', "plain"),
    "revision": ('COALESCE(r."anchor_revision", %s)', "number"),
    "version": ('r."version"', "number"),
    "claim_version": ('r."claim_version"', "number"),
    "final_tag": (
        f"""CASE WHEN {_SETTLED} THEN st."key"
        WHEN r."review_status" = '{Annotation.Status.ACCEPTED.value}' THEN t."key" END""",
        "text",
    ),
    "settlement": (f'CASE WHEN r."settled_claim_version" > 0 THEN {_SETTLEMENT} END', "json"),
    "created": (_utc("created"), "plain"),
    "modified": (_utc("modified"), "plain"),
}
# Runs of fields kept written out with each annotation (migration 0024), used whenever a
# listing asks for the whole run (every listing that does not choose its fields).
STORED_RUNS = {
    ("start", "end", "quote", "prefix", "suffix"): 'r."json_span"',
    ("created", "modified"): 'r."json_stamps"',
}


@functools.cache
def json_sql(fields: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """SQL writing the JSON of each annotation of a page (put the page's SQL in place of
    `/* page */`) with `fields` (in FIELDS order), and which of "article" and
    "revision" its parameters are, in order (the page's own follow)."""
    members, params, index = [], [], 0
    while index < len(fields):
        run = next((run for run in STORED_RUNS if fields[index:index + len(run)] == run), None)
        if run:
            members.append((None, STORED_RUNS[run], "members"))
            index += len(run)
            continue
        name = fields[index]
        sql, kind = FIELDS[name]
        params += [name] * sql.count("%s")
        members.append((name, sql, kind))
        index += 1
    sql = f"""
SELECT r."start", r."id", {_json_object(*members)}
FROM (/* page */) r
JOIN {Tag._meta.db_table} t ON t.id = r."tag_id"
JOIN {get_user_model()._meta.db_table} u ON u.id = r."author_id"
LEFT JOIN {Tag._meta.db_table} st ON st.id = r."settled_tag_id"
LEFT JOIN {get_user_model()._meta.db_table} sb ON sb.id = r."settled_by_id"
ORDER BY r."start", r."id"
"""  # noqa: S608 - no input in the text; values are parameters
    return sql, tuple(params)


def _json_rows(page_sql: str, params: list, article, fields) -> list[tuple[int, int, str]]:
    """(start, id, JSON text of `fields`) of each annotation of the page `page_sql`
    selects."""
    sql, names = json_sql(fields)
    values = {"article": article.slug, "revision": article.version}
    with connection.cursor() as cursor:
        cursor.execute(
            sql.replace("/* page */", page_sql), [*(values[name] for name in names), *params]
        )
        return cursor.fetchall()


def _annotations():
    return (
        Annotation.objects.select_related("article", "author", "tag", "settled_tag", "settled_by")
        .with_status()
        .order_by("start", "end", "id")
    )


class ArticleAnnotationViewSet(ContentLengthLimit, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The annotations of one article: list (with filters) and create."""

    serializer_class = serializers.AnnotationSerializer
    # The filters the reader and the exports use too; a bad value is a 400 naming it.
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.AnnotationFilter
    pagination_class = KeysetPagination

    def _article(self) -> Article:
        return get_article(Article.objects.defer("text"), self.kwargs["slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return Annotation.objects.none()
        return _annotations().filter(article=self._article()).live().defer("article__text")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "fields",
                str,
                description="Only these fields of each annotation, comma-separated (e.g. "
                "`id,start,end,tag`): a lighter page for a client that needs no more. "
                "Default: every field.",
            )
        ],
        responses={
            200: serializers.AnnotationSerializer(many=True),
            **errors(400, 401, 404),
            409: OpenApiResponse(
                serializers.ErrorSerializer,
                description="The cursor is from before a revision of the article (code "
                "cursor_stale): start again from the first page.",
            ),
        },
    )
    def list(self, request, slug):
        """Pages in text order (start, then id), `?page_size=` up to 1,000: follow `next`.
        No `count`: each page costs the same however large the article is."""
        article = get_article_fields(slug, ("id", "slug", "version"))
        fields = self._fields()
        zone = timezone.get_current_timezone()
        if connection.vendor == "postgresql" and zone.utcoffset(None) == timedelta(0):
            return self._json_page(request, article, fields)
        paginator = self.paginator
        page = paginator.page_of(
            self._listed(article).values_list(*ROW), request, version=article.version
        )
        rows = paginator.close(list(page))
        data = [annotation_data(row, article.slug, article.version, zone) for row in rows]
        if len(fields) < len(FIELDS):
            data = [{name: each[name] for name in fields} for each in data]
        return paginator.get_paginated_response(data, rows[-1] if rows else None)

    def _fields(self) -> tuple[str, ...]:
        """The fields `?fields=` asks for, in FIELDS order; all of them by default."""
        raw = self.request.query_params.get("fields", "")
        wanted = {name.strip() for name in raw.split(",")} - {""}
        if not wanted:
            return tuple(FIELDS)
        if unknown := wanted - FIELDS.keys():
            raise ValidationError(
                {
                    "fields": _("There is no field %(unknown)s; the fields are %(known)s.")
                    % {"unknown": ", ".join(sorted(unknown)), "known": ", ".join(FIELDS)}
                },
                code="fields",
            )
        return tuple(name for name in FIELDS if name in wanted)

    def _filtered(self) -> bool:
        return not self.request.query_params.keys().isdisjoint(self.filterset_class.base_filters)

    def _listed(self, article):
        queryset = Annotation.objects.filter(article=article).live().with_status()
        # Without a filter in the query the FilterSet would change nothing, after deep
        # copies of its filters and a form to validate: 0.8 ms of a list page.
        return self.filter_queryset(queryset) if self._filtered() else queryset

    def _json_page(self, request, article, fields) -> HttpResponse:
        """The page as PostgreSQL writes it (json_sql): read with PAGE_SQL when nothing
        is filtered, else through the ORM."""
        paginator = self.paginator
        if not self._filtered():
            after = paginator.begin(request, version=article.version)
            sql = PAGE_SQL.replace("/* after */", AFTER_SQL if after else "")
            params = [article.pk, *((*after, paginator.as_of) if after else ())]
            params.append(paginator.size + 1)
        else:
            page = paginator.page_of(
                self._listed(article).annotate(**_STORED).values_list(*PAGE, *_STORED),
                request,
                version=article.version,
            )
            sql, params = page.query.sql_with_params()
        rows = paginator.close(_json_rows(sql, params, article, fields))
        body = ",".join(row[2] for row in rows)
        head = json.dumps(
            {"next": paginator.next_link(rows[-1] if rows else None),
             "as_of": paginator.as_of.isoformat()}
        )  # fmt: skip
        return HttpResponse(f'{head[:-1]}, "results": [{body}]}}', content_type="application/json")

    @extend_schema(
        request=serializers.AnnotationCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Up to 64 visible ASCII characters (a UUID). A retry with the "
                "same key gets the annotation the first request made instead of a copy; "
                "the same key for another span or tag is a 400.",
            )
        ],
        responses={
            201: OpenApiResponse(
                serializers.AnnotationSerializer,
                description="Created; or, for a repeat (the same Idempotency-Key, or the "
                "same span and tag by you within 10 s), the same answer again with the "
                "annotation already made and the header Idempotent-Replayed: true.",
            ),
            409: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Someone else already tagged this span with this tag; agree "
                "with theirs (PUT /api/annotations/<annotation>/review/) instead.",
            ),
            **errors(400, 401, 404, 413),
        },
    )
    def create(self, request, slug):
        article = get_article_fields(slug)
        data = serializers.AnnotationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = services.annotation_create(
            article=article,
            author=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **data.validated_data,
        )
        replayed = getattr(annotation, "replayed", False)
        if replayed:
            annotation = _annotations().get(pk=annotation.pk)
        body = annotation_data(_row(annotation), article.slug, article.version)
        location = request.build_absolute_uri(f"/api/annotations/{annotation.pk}/")
        # The response reads the article's version (the revision the offsets refer to).
        headers = {"ETag": annotation.etag, "Location": location}
        if replayed:
            # The first request's answer again, as idempotent APIs replay it.
            headers["Idempotent-Replayed"] = "true"
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
            response["ETag"] = instance.etag
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
        version = if_match_version(request, annotation)
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
        version = if_match_version(request, annotation)
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
        version = if_match_version(request, annotation) if request.headers.get("If-Match") else None
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
        revisions = history.annotation_revisions(self.get_object())
        entries = [
            {
                "revision": rev.number,
                "action": rev.action,
                "user": rev.user.username if rev.user else None,
                "at": rev.at,
                "version": rev.record.version,
                "reason": rev.record.history_change_reason,
                "changes": [
                    {"field": c.field, "old": c.before, "new": c.after} for c in rev.changes
                ],
            }
            for rev in revisions
        ]
        return Response(serializers.HistoryEntrySerializer(entries, many=True).data)
