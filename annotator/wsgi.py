import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")


def require_secret_key() -> None:
    """Production serving does not start on the key generated for a laptop: sessions,
    password resets and token fingerprints all rest on it."""
    if not settings.DEBUG and not os.environ.get("DJANGO_SECRET_KEY"):
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (a long random secret) to serve in production mode."
        )


application = get_wsgi_application()
require_secret_key()
