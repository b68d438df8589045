from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles import services


class Command(BaseCommand):
    help = (
        "Import a plain-text article. Without --title, its first line is the title and the "
        "rest is the text, with trailing site navigation dropped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--title", help="Title; the whole file is then the text.")
        parser.add_argument("--user", required=True, help="User name recorded as creator.")
        parser.add_argument("--slug", default="", help="Slug; derived from the title if empty.")
        parser.add_argument("--source-url", default="")
        parser.add_argument("--dry-run", action="store_true", help="Check; write nothing.")

    def handle(self, *args, file, title, user, slug, source_url, dry_run, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"There is nobody with the user name {user!r}.")
        try:
            raw = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file} as UTF-8 text: {error}.") from None
        try:
            if title:
                text = raw.replace("\r\n", "\n").replace("\r", "\n")
            else:
                title, text = services.split_title_and_text(raw)
            if dry_run:
                self.stdout.write(f"Would import {title!r} ({len(text):,} characters).")
                return
            article = services.article_create(
                title=title, text=text, created_by=actor, slug=slug, source_url=source_url
            )
        except ValidationError as error:
            messages = (
                [m for ms in error.message_dict.values() for m in ms]
                if hasattr(error, "error_dict")
                else error.messages
            )
            raise CommandError(" ".join(messages)) from None
        self.stdout.write(f"Imported {article.title!r} as /articles/{article.slug}/.")
