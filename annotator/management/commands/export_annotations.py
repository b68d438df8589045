from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator import formats
from annotator.selectors.filters import ExportFilter
from annotator.services import message_of


class Command(BaseCommand):
    help = "Write annotations as W3C Web Annotation, JSON Lines, doccano or CSV, streamed."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=formats.EXPORT_FORMATS)
        parser.add_argument("-o", "--output", default="-", help="File to write; - for stdout.")
        # The same filters as the API's export, from the one FilterSet.
        for name, definition in ExportFilter.base_filters.items():
            parser.add_argument(f"--{name}", help=definition.extra.get("help_text"))
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="Scheme and host for article and annotation URLs in the w3c format.",
        )

    def handle(self, *args, format, output, base_url, **options):
        params = {name: options[name] for name in ExportFilter.base_filters if options.get(name)}
        try:
            queryset = formats.export_queryset(params)
        except ValidationError as error:
            raise CommandError(message_of(error)) from None

        def progress(count):
            self.stderr.write(f"\r{count:,} records written", ending="")

        chunks = formats.export_stream(
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
