from django.core.management.base import BaseCommand

from annotator import services


class Command(BaseCommand):
    help = (
        "E-mail each person with an address their unread notifications that no digest "
        "has told them of yet (one e-mail each), through Django's e-mail backend "
        "(DJANGO_EMAIL_BACKEND; the console by default). Run it from cron, hourly or daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing.")

    def handle(self, *args, dry_run=False, **options):
        people, told = services.notification_digest_send(dry_run=dry_run)
        verb = "Would e-mail" if dry_run else "E-mailed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {people} person{'s' if people != 1 else ''} about "
                f"{told} notification{'s' if told != 1 else ''}."
            )
        )
