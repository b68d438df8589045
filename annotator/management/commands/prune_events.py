from django.core.management.base import BaseCommand

from annotator import events
from annotator.models import Event


class Command(BaseCommand):
    help = (
        "Delete change-feed events older than --days (default 7). Run it daily (cron or a "
        "systemd timer); a reader away for longer reloads instead of catching up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Keep this many days.")
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, days, dry_run, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            return
        if dry_run:
            from datetime import timedelta

            from django.utils import timezone

            cutoff = timezone.now() - timedelta(days=days)
            count = Event.objects.filter(created__lt=cutoff).count()
            self.stdout.write(f"Would delete {count} event(s) older than {days} day(s).")
            return
        count = events.prune(keep_days=days)
        self.stdout.write(self.style.SUCCESS(f"Deleted {count} event(s) older than {days} day(s)."))
