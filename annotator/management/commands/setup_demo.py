import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from annotator import services
from articles.models import CURATORS_GROUP, Article

DEMO_ACCOUNTS = [
    # user name, password, full name, is admin
    ("alice", "alice-demo-2026", "Alice Moreno", False),
    ("bob", "bob-demo-2026", "Bob Okafor", False),
    ("carol", "carol-demo-2026", "Carol Lindqvist", False),
    ("admin", "admin-demo-2026", "Site Admin", True),
]
# Demo accounts in the curators group, who settle disputes.
DEMO_CURATORS = {"carol"}


class Command(BaseCommand):
    help = (
        "Create the demo accounts, load the seed article (a Django fixture, through "
        "loaddata) and its demo annotations. Safe to run again."
    )

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
        admin, lines = self._accounts(dry_run)
        slugs = [item["fields"]["slug"] for item in json.loads(Path(fixture).read_text("utf-8"))]
        present = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        for slug in slugs:
            if slug in present:
                self.stdout.write(f"Article {slug!r} is already loaded.")
            else:
                verb = "Would load" if dry_run else "Loaded"
                self.stdout.write(self.style.SUCCESS(f"{verb} article {slug!r}."))
        if not dry_run:
            self._load_missing(fixture, [slug for slug in slugs if slug not in present])
            self._first_revisions(slugs, admin)
            self._load_demo_annotations(annotations, slugs[0] if slugs else None)
        self.stdout.write("Demo accounts (user name, password, role):")
        for line in lines:
            self.stdout.write(line)
        if dry_run:
            transaction.set_rollback(True)

    def _accounts(self, dry_run):
        User = get_user_model()
        admin, lines = None, []
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
            if username in DEMO_CURATORS:
                role += ", curator"
                if user is not None and not dry_run:
                    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
                    user.groups.add(group)
            lines.append(f"  {username:<8} {password:<18} {role:<15} ({state})")
        return admin, lines

    def _load_missing(self, fixture, missing):
        # loaddata updates an article that is already there in place (by its slug), which
        # would put back the fixture's text under a revised article's annotations: load
        # only the articles that are not there yet.
        if not missing:
            return
        if len(missing) == len(json.loads(Path(fixture).read_text("utf-8"))):
            call_command("loaddata", fixture, verbosity=0)
            return
        with open(fixture, encoding="utf-8") as stream:
            for item in serializers.deserialize("json", stream):
                if item.object.slug in missing:
                    item.save()

    def _first_revisions(self, slugs, admin):
        # loaddata saves raw rows, which django-simple-history does not record: give each
        # loaded article its first revision, by the admin who set the demo up.
        recorded = set(Article.history.filter(slug__in=slugs).values_list("id", flat=True))
        unrecorded = [a for a in Article.objects.filter(slug__in=slugs) if a.pk not in recorded]
        Article.history.bulk_history_create(unrecorded, default_user=admin)

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
