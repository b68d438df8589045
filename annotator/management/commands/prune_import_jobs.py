from django.core.management.base import BaseCommand, CommandError

from annotator import services


class Command(BaseCommand):
    help = (
        "Delete background imports finished more than --days ago (default 30), after "
        "marking failed the running ones whose worker ended. Run it daily, beside "
        "prune_events and prune_db_task_results."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Keep this many days.")

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        deleted, interrupted = services.import_jobs_prune(keep_days=days)
        if interrupted:
            self.stdout.write(f"Marked {interrupted} import(s) failed: their worker had ended.")
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} import(s) finished over {days} day(s) ago.")
        )
