"""GET /healthz: whether the app's database (and Redis, when REDIS_URL is set) answer.
Open without sign-in, for a load balancer or a monitor; says nothing private."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unavailable"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


@login_not_required
@require_safe
@never_cache
def healthz(request):
    checks = {"database": _database(), "redis": _redis()}
    healthy = all(value in {"ok", "not configured"} for value in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "unavailable", **checks})
    if not healthy:
        response.status_code = 503
        response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER)
    return response
