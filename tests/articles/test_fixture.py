"""The seed article is a Django fixture: Django's own loaddata loads it."""

from io import StringIO

from django.core.management import call_command

from articles.models import Article
from tests.factories import FIXTURES

SEED = str(FIXTURES / "seed_article.json")


def test_loaddata_loads_the_seed_article_and_a_second_load_changes_nothing(db):
    call_command("loaddata", SEED, stdout=StringIO())
    article = Article.objects.get(slug="the-situation-in-mexico")
    first = (article.pk, article.title, article.text, article.created, article.modified)
    call_command("loaddata", SEED, stdout=StringIO())
    again = Article.objects.get()
    assert (again.pk, again.title, again.text, again.created, again.modified) == first
    assert again.text.startswith("Will the Peruvian government invade the Mexican embassy?")


def test_setup_demo_loads_the_fixture_and_gives_it_a_first_revision(db, tags):
    call_command("setup_demo", stdout=StringIO())
    article = Article.objects.get(slug="the-situation-in-mexico")
    revision = article.history.get()
    assert (revision.history_type, revision.history_user.username) == ("+", "admin")
    assert revision.text == article.text
    call_command("setup_demo", stdout=StringIO())
    assert article.history.count() == 1


def test_setup_demo_leaves_a_revised_seed_article_as_it_is(db, tags):
    from annotator import services

    call_command("setup_demo", stdout=StringIO())
    article = Article.objects.get(slug="the-situation-in-mexico")
    carol = article.annotations.filter(author__username="carol").first().author
    services.article_revise(
        article=article, actor=carol, text="Correction first.\n\n" + article.text, reason="r"
    )
    call_command("setup_demo", stdout=StringIO())
    article.refresh_from_db()
    assert article.version == 2 and article.text.startswith("Correction first.")
    for annotation in article.annotations.all():
        assert article.text[annotation.start : annotation.end] == annotation.quote
