from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from annotator import services
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Compute the search documents of every annotation again (or of one article's): "
        "after a bulk load that bypassed the services, or when an article's language "
        "changed (its annotations are then searched in the new language). PostgreSQL "
        "only; on SQLite search reads the rows and there is nothing to rebuild."
    )

    def add_arguments(self, parser):
        parser.add_argument("--article", help="Only this article (slug).")
        parser.add_argument("--dry-run", action="store_true", help="Say what, write nothing.")

    def handle(self, *args, article=None, dry_run=False, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to rebuild: search on this database reads the rows.")
            return
        ids = None
        if article:
            found = Article.objects.filter(slug=article).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"There is no article called {article!r}.")
            ids = [found]
        what = f"the annotations of {article!r}" if article else "every annotation"
        if dry_run:
            self.stdout.write(f"Would compute the search documents of {what} again.")
            return
        with transaction.atomic():
            services.search_index_rebuild(article_ids=ids)
        self.stdout.write(self.style.SUCCESS(f"Computed the search documents of {what}."))
