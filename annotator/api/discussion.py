"""REST API for discussing and reviewing annotations: comment threads and reviews.

Every write goes through annotator.services (the same functions the pages call), so the
rules, the sentences and the history rows are the same; annotator.api.errors.exception_handler
turns the services' ValidationError / PermissionDenied into {"detail", "code"}.

Reads of a thread or of a review work for a deleted annotation too, like its history;
writes to one are refused by the services with 400 "deleted".
"""

from django.core import exceptions as django_exceptions
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import services
from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import ContentLengthLimit
from annotator.models import Annotation, Comment, Review
from annotator.selectors.discussion import known_usernames


def _annotation(pk: str) -> Annotation:
    # Deleted ones too: the services refuse writes to them with a sentence, not a bare 404.
    return get_object_or_404(Annotation.objects.all(), pk=pk)


def _comment_data(comments, *, many: bool = True):
    context = {"known_usernames": known_usernames(comments)}
    instance = comments if many else comments[0]
    return serializers.CommentSerializer(instance, many=many, context=context).data


class CommentCreatedSerializer(serializers.CommentSerializer):
    unknown_mentions = drf_serializers.ListField(
        child=drf_serializers.CharField(),
        read_only=True,
        help_text="The @names in the body that are nobody's user name (any case): nobody "
        "was notified for them. Empty when every name is someone's.",
    )

    class Meta(serializers.CommentSerializer.Meta):
        fields = [*serializers.CommentSerializer.Meta.fields, "unknown_mentions"]


class IsCommentAuthorOrReadOnly(permissions.BasePermission):
    # Checked before the body is read, so another person's edit is 403 whatever it holds;
    # services.comment_update / comment_delete check the same again under a row lock.
    message = "Only its author can change or delete a comment."

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or obj.is_deleted:
            return True  # a deleted comment: the service answers 400 "deleted"
        return obj.is_editable_by(request.user)


# Thread ------------------------------------------------------------------------------------


class AnnotationCommentViewSet(ContentLengthLimit, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The comment thread of one annotation: list and post."""

    serializer_class = serializers.CommentSerializer

    def get_queryset(self):
        return (
            Comment.objects.filter(annotation=_annotation(self.kwargs["pk"]))
            .select_related("author")
            .order_by("created", "id")
        )

    @extend_schema(
        summary="The comment thread, oldest first",
        description=(
            "A flat list in the order the comments were written (replies come after their "
            "parent), paginated like the other lists. `parent` is null for a top-level "
            "comment and the id of the comment answered otherwise (one level of replies), "
            "so `[c for c in results if c['parent'] == id]` are the replies to `id`. A deleted "
            'comment keeps its place with `"deleted": true`, an empty body and a null author.'
        ),
        responses={200: serializers.CommentSerializer(many=True), **errors(401, 404)},
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(_comment_data(page))

    @extend_schema(
        summary="Post a comment, or a reply with parent",
        request=serializers.CommentCreateSerializer,
        responses={
            201: CommentCreatedSerializer,
            400: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Empty or too long body, a parent not in this thread, or the "
                "annotation is deleted.",
            ),
            **errors(401, 404, 413),
        },
    )
    def create(self, request, pk):
        annotation = _annotation(pk)
        data = serializers.CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        parent_id = data.validated_data.get("parent")
        if parent_id is not None:
            parent = Comment.objects.filter(pk=parent_id).first()
            if parent is None:
                raise django_exceptions.ValidationError(
                    {
                        "parent": _("There is no comment %(id)s to reply to.")
                        % {"id": parent_id}
                    },
                    code="parent",
                )
        comment = services.comment_create(
            annotation=annotation,
            author=request.user,
            body=data.validated_data["body"],
            parent=parent,
        )
        location = request.build_absolute_uri(f"/api/comments/{comment.pk}/")
        body = _comment_data([comment], many=False)
        body["unknown_mentions"] = comment.unknown_mentions
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class CommentViewSet(ContentLengthLimit, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One comment: read it; its author can edit or (softly) delete it."""

    queryset = Comment.objects.select_related("author")
    serializer_class = serializers.CommentSerializer
    permission_classes = [permissions.IsAuthenticated, IsCommentAuthorOrReadOnly]
    # Any segment, so "/comments/abc/" is DRF's JSON 404, not Django's HTML one.
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: serializers.CommentSerializer, **errors(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return Response(_comment_data([self.get_object()], many=False))

    @extend_schema(
        summary="Edit your comment",
        request=serializers.CommentUpdateSerializer,
        responses={
            200: serializers.CommentSerializer,
            400: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Empty or too long body, or the comment is deleted.",
            ),
            **errors(401, 403, 404, 413),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        comment = self.get_object()
        data = serializers.CommentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_update(
            comment=comment, actor=request.user, body=data.validated_data["body"]
        )
        return Response(_comment_data([comment], many=False))

    @extend_schema(
        summary="Delete your comment (it stays in history)",
        responses={
            204: None,
            400: OpenApiResponse(
                serializers.ErrorSerializer, description="The comment is already deleted."
            ),
            **errors(401, 403, 404),
        },
    )
    def destroy(self, request, *args, **kwargs):
        services.comment_delete(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Review ------------------------------------------------------------------------------------


class AnnotationReviewView(ContentLengthLimit, APIView):
    """Your review of an annotation: one per person, changed by sending it again."""

    @extend_schema(
        summary="Your review of this annotation",
        responses={
            200: serializers.ReviewSerializer,
            404: OpenApiResponse(
                serializers.ErrorSerializer,
                description="No such annotation, or you have not reviewed it (code no_review).",
            ),
            **errors(401),
        },
    )
    def get(self, request, pk):
        annotation = _annotation(pk)
        review = (
            Review.objects.select_related("reviewer", "proposed_tag")
            .filter(annotation=annotation, reviewer=request.user)
            .first()
        )
        if review is None:
            if annotation.author_id == request.user.pk:
                detail = (
                    "This is your own annotation; others review it, so there is no review of yours."
                )
            else:
                detail = "You have not reviewed this annotation yet; PUT a verdict to do so."
            raise exceptions.NotFound(detail, code="no_review")
        return Response(serializers.ReviewSerializer(review).data)

    @extend_schema(
        summary="Give or change your review",
        description="Replaces your review: fields left out are cleared. 201 when it is your "
        "first review of this annotation, 200 when it changes (or repeats) it.",
        request=serializers.ReviewSetSerializer,
        responses={
            200: serializers.ReviewSerializer,
            201: serializers.ReviewSerializer,
            400: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Unknown verdict or tag, the annotation's own tag proposed, a "
                "reason over the limit, or the annotation is deleted.",
            ),
            403: OpenApiResponse(
                serializers.ErrorSerializer, description="It is your own annotation."
            ),
            **errors(401, 404, 413),
        },
    )
    def put(self, request, pk):
        annotation = _annotation(pk)
        data = serializers.ReviewSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review, created = services.review_set(
            annotation=annotation,
            reviewer=request.user,
            verdict=data.validated_data["verdict"],
            proposed_tag=data.validated_data.get("proposed_tag") or None,
            comment=data.validated_data.get("comment") or "",
        )
        return Response(
            serializers.ReviewSerializer(review).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
