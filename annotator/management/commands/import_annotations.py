from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator import formats

BAR = 30


class Command(BaseCommand):
    help = (
        "Import a W3C Web Annotation, doccano JSONL, Label Studio JSON or Claimmark JSON "
        "Lines file as annotations by --user. "
        "Every record is checked first; one bad record rejects the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=formats.IMPORT_FORMATS)
        parser.add_argument("--user", required=True, help="User name the annotations are by.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, file, format, user, dry_run, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"There is nobody with the user name {user!r}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None

        def progress(done, total):
            # A bar on the terminal: the records are written a few thousand at a time.
            filled = BAR * done // total if total else BAR
            bar = "#" * filled + "." * (BAR - filled)
            self.stderr.write(f"\r[{bar}] {done:,} of {total:,} records written", ending="")

        try:
            records = formats.parse(format, data)
            self.stderr.write(f"{len(records):,} records read; checking them")
            result = formats.import_records(
                records, actor=actor, dry_run=dry_run, on_progress=progress
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write("")
        if dry_run:
            self.stdout.write(f"{result.created} records are valid; nothing written (dry run).")
        else:
            self.stdout.write(
                f"Imported {result.created} annotations ({result.skipped} already present, "
                f"{result.articles_created} articles created)."
            )
