"""The signed-in person's notifications: mentions, replies to their comments, verdicts on
their annotations, settlements of disputes they took part in, annotations to check after
an article revision. Unread first, then newest."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import services
from annotator.api.errors import errors
from annotator.models import Notification
from annotator.selectors import notifications as selectors
from annotator.selectors.discussion import unread_count


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "actor", "article", "annotation", "comment",
                  "is_read", "created"]  # fmt: skip
        read_only_fields = fields


class NotificationListSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="How many of yours are unread (the badge).")
    results = NotificationSerializer(many=True)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text="Only these notifications; without it, all of yours.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationListView(APIView):
    @extend_schema(responses={200: NotificationListSerializer, **errors(401)})
    def get(self, request):
        """Your latest 100 notifications, unread first, then newest."""
        rows = selectors.notification_list(request.user)
        unread = unread_count(request.user.pk)
        return Response({"unread": unread, "results": NotificationSerializer(rows, many=True).data})


class NotificationReadView(APIView):
    @extend_schema(
        request=MarkReadSerializer, responses={200: MarkedSerializer, **errors(400, 401)}
    )
    def post(self, request):
        """Mark your notifications read: those in `ids`, or all of them."""
        data = MarkReadSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, notification_ids=data.validated_data.get("ids")
        )
        unread = unread_count(request.user.pk)
        return Response({"marked": marked, "unread": unread})
