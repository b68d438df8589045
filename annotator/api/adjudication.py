"""REST API for curators: settle a disputed annotation with a final tag and a reason,
or reopen the settlement. The rules and sentences are annotator.services'."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import services
from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import ContentLengthLimit
from annotator.models import Annotation


def _annotations():
    return Annotation.objects.select_related(
        "article", "author", "tag", "settled_tag", "settled_by"
    ).with_status()


def _annotation(pk: str) -> Annotation:
    # Deleted ones too: the services refuse them with a sentence, not a bare 404.
    return get_object_or_404(Annotation.objects.all(), pk=pk)


def _body(annotation: Annotation) -> dict:
    return serializers.AnnotationSerializer(_annotations().get(pk=annotation.pk)).data


REFUSED = OpenApiResponse(
    serializers.ErrorSerializer,
    description="Not a curator (members of the group 'curators'), or your own annotation.",
)


class AnnotationSettleView(ContentLengthLimit, APIView):
    """A curator's settlement of one annotation."""

    @extend_schema(
        summary="Settle an annotation (curators)",
        description="Sets the final tag and the reason; the annotation's status becomes "
        "`settled` and it leaves the review queues. It settles the current claim version: "
        "if the author later changes the tag or span, the settlement no longer counts. "
        "Settling again replaces it. Each settlement is a revision in the history.",
        request=serializers.SettleSerializer,
        responses={
            200: serializers.AnnotationSerializer,
            400: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Unknown tag, an empty or too long reason, or the annotation "
                "is deleted.",
            ),
            403: REFUSED,
            **errors(401, 404, 413),
        },
    )
    def post(self, request, pk):
        annotation = _annotation(pk)
        data = serializers.SettleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        settled = services.annotation_settle(
            annotation=annotation,
            actor=request.user,
            tag=data.validated_data["tag"],
            reason=data.validated_data["reason"],
        )
        return Response(_body(settled))

    @extend_schema(
        summary="Reopen a settlement (curators)",
        description="Withdraws the settlement; the status is derived from the verdicts "
        "again. The settlement stays in the history.",
        responses={
            200: serializers.AnnotationSerializer,
            400: OpenApiResponse(
                serializers.ErrorSerializer,
                description="Not settled (code not_settled), or the annotation is deleted.",
            ),
            403: REFUSED,
            **errors(401, 404),
        },
    )
    def delete(self, request, pk):
        reopened = services.annotation_reopen(annotation=_annotation(pk), actor=request.user)
        return Response(_body(reopened))
