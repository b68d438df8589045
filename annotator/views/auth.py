"""Sign-in with a brake on password guessing."""

from django.contrib.auth.views import LoginView

from annotator import lockout


class ThrottledLoginView(LoginView):
    """Django's login page. The brake is django-axes (annotator/lockout.py): after ten
    failures for a user name from one address that pair waits 15 minutes (429), with a
    looser limit per address over all user names; counted in the database, so every
    server process and a restart see the same count."""

    def post(self, request, *args, **kwargs):
        with lockout.one_try_at_a_time(request, request.POST.get("username", "")):
            return super().post(request, *args, **kwargs)
