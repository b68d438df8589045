import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

from annotator import services
from articles import services as article_services
from articles.models import Article

DEMO_ACCOUNTS = [
    # user name, password, full name, is admin
    ("alice", "alice-demo-2026", "Alice Moreno", False),
    ("bob", "bob-demo-2026", "Bob Okafor", False),
    ("carol", "carol-demo-2026", "Carol Lindqvist", False),
    ("admin", "admin-demo-2026", "Site Admin", True),
]


class Command(BaseCommand):
    help = "Create the demo accounts and load the seed article. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixture",
            default=str(Path(settings.BASE_DIR) / "fixtures" / "seed_article.json"),
            help="Django fixture holding the articles to load.",
        )
        parser.add_argument(
            "--annotations",
            default=str(Path(settings.BASE_DIR) / "fixtures" / "demo_annotations.json"),
            help="Demo annotations for the first article, by phrase; loaded only into an "
            "article that has none yet.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; write nothing."
        )

    @transaction.atomic
    def handle(self, *args, fixture, annotations, dry_run, **options):
        User = get_user_model()
        admin = None
        lines = []
        for username, password, full_name, is_admin in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None and not dry_run:
                first, _, last = full_name.partition(" ")
                user = User(username=username, first_name=first, last_name=last)
                user.is_staff = user.is_superuser = is_admin
                user.set_password(password)
                user.save()
                state = "created"
            else:
                state = "would create" if user is None else "exists"
            if is_admin:
                admin = user
            role = "admin" if is_admin else "editor"
            lines.append(f"  {username:<8} {password:<18} {role:<7} ({state})")

        with open(fixture, encoding="utf-8") as stream:
            first_slug = None
            for item in serializers.deserialize("json", stream):
                article = item.object
                first_slug = first_slug or article.slug
                if Article.objects.filter(slug=article.slug).exists():
                    self.stdout.write(f"Article {article.slug!r} is already loaded.")
                elif dry_run:
                    self.stdout.write(f"Would load article {article.slug!r}.")
                else:
                    article_services.article_create(
                        title=article.title,
                        text=article.text,
                        slug=article.slug,
                        created_by=admin,
                        language=article.language,
                    )
                    self.stdout.write(self.style.SUCCESS(f"Loaded article {article.slug!r}."))

        if not dry_run:
            self._load_demo_annotations(annotations, first_slug)
        self.stdout.write("Demo accounts (user name, password, role):")
        for line in lines:
            self.stdout.write(line)
        if dry_run:
            transaction.set_rollback(True)

    def _load_demo_annotations(self, path, slug):
        article = Article.objects.filter(slug=slug).first()
        if article is None or article.annotations.exists():
            return
        users = {u.username: u for u in get_user_model().objects.all()}
        with open(path, encoding="utf-8") as stream:
            items = json.load(stream)
        for item in items:
            start = article.text.index(item["phrase"])
            services.annotation_create(
                article=article,
                author=users[item["author"]],
                start=start,
                end=start + len(item["phrase"]),
                tag=item["tag"],
                note=item["note"],
            )
        self.stdout.write(f"Added {len(items)} demo annotations to {slug!r}.")
