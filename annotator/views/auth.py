"""Sign-in with a brake on password guessing."""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.core.cache import cache

FAILURES_ALLOWED = 10
WINDOW_SECONDS = 15 * 60


class ThrottledLoginView(LoginView):
    """Django's login page, refusing further tries for a user name from one address
    after FAILURES_ALLOWED failures in WINDOW_SECONDS (429)."""

    def _key(self) -> str:
        address = self.request.META.get("REMOTE_ADDR", "")
        username = self.request.POST.get("username", "").strip().lower()
        return f"login-failures:{address}:{username}"

    def post(self, request, *args, **kwargs):
        key = self._key()
        limit = getattr(settings, "LOGIN_FAILURES_ALLOWED", FAILURES_ALLOWED)
        if cache.get(key, 0) >= limit:
            form = self.get_form()
            form.errors.clear()
            minutes = WINDOW_SECONDS // 60
            form.add_error(
                None,
                f"Too many failed sign-ins for this user name. Wait {minutes} minutes, "
                "or ask an admin to reset your password.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: wrong user name or password
            cache.add(key, 0, WINDOW_SECONDS)
            cache.incr(key)
        else:
            cache.delete(key)
        return response
