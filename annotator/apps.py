from django.apps import AppConfig


class AnnotatorConfig(AppConfig):
    name = "annotator"
    verbose_name = "Annotations"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from annotator.services.preferences import on_sign_in

        # A person's language and time zone follow them from sign-in on.
        user_logged_in.connect(on_sign_in, dispatch_uid="annotator.preferences")
