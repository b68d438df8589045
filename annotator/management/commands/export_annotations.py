from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator import export


class Command(BaseCommand):
    help = "Write annotations as W3C Web Annotation, JSON Lines, doccano or CSV, streamed."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=list(export.EXPORT_FORMATS))
        parser.add_argument("-o", "--output", default="-", help="File to write; - for stdout.")
        parser.add_argument("--article", help="Only this article (slug).")
        parser.add_argument("--tag", help="Only this tag key.")
        parser.add_argument("--author", help="Only annotations by this user name.")
        parser.add_argument("--status", choices=["pending", "accepted", "disputed"])
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="Scheme and host for article and annotation URLs in the w3c format.",
        )

    def handle(self, *args, format, output, article, tag, author, status, base_url, **options):
        try:
            queryset = export.export_queryset(
                article=article, tag=tag, author=author, status=status
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        def progress(count):
            self.stderr.write(f"\r{count:,} records written", ending="")

        chunks = export.export_stream(
            format, queryset, base_url=base_url.rstrip("/"), on_progress=progress
        )
        if output == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
        else:
            with open(output, "w", encoding="utf-8", newline="") as file:
                for chunk in chunks:
                    file.write(chunk)
        self.stderr.write("")
