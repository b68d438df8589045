import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotator import services
from annotator.models import Annotation
from tests import factories

EMOJI_TEXT = "Café 😀 opened. Niño said 👍🏽 it will grow."


def test_create_stores_quote_prefix_and_suffix(article, alice):
    start = article.text.index("shameful")
    a = services.annotation_create(
        article=article, author=alice, start=start, end=start + 8, tag="opinion", note=" why "
    )
    assert a.quote == "shameful"
    assert a.prefix == article.text[start - 32 : start]
    assert a.suffix == article.text[start + 8 : start + 40]
    assert (a.tag.key, a.note, a.version, a.author) == ("opinion", "why", 1, alice)


def test_offsets_count_code_points_not_utf16_units(tags, alice):
    article = factories.make_article(created_by=alice, title="Emoji", text=EMOJI_TEXT)
    start = EMOJI_TEXT.index("Niño")
    end = EMOJI_TEXT.index(" it will")
    a = services.annotation_create(
        article=article, author=alice, start=start, end=end, tag="fact", quote="Niño said 👍🏽"
    )
    assert a.quote == "Niño said 👍🏽"
    assert (a.start, a.end) == (15, 27)  # in UTF-16 units it would be (16, 30)


@pytest.mark.parametrize(
    ("start", "end", "quote", "message"),
    [
        (-1, 4, None, "start cannot be negative"),
        (5, 5, None, "must be before end"),
        (9, 3, None, "must be before end"),
        (0, 10_000, None, "past the end of the article"),
        (0, 8, "Officials", "does not match"),
        ("0", 8, None, "whole number"),
        (41, 43, None, "only white space"),
    ],
)
def test_create_refuses_bad_spans_with_a_sentence(article, alice, start, end, quote, message):
    with pytest.raises(ValidationError) as error:
        services.annotation_create(
            article=article, author=alice, start=start, end=end, tag="fact", quote=quote
        )
    assert message in str(error.value)
    assert not Annotation.objects.exists()


def test_create_refuses_unknown_tag_and_long_note(article, alice):
    with pytest.raises(ValidationError, match="no tag called 'rumour'"):
        services.annotation_create(article=article, author=alice, start=0, end=4, tag="rumour")
    with pytest.raises(ValidationError, match="limit is 2,000"):
        services.annotation_create(
            article=article, author=alice, start=0, end=4, tag="fact", note="x" * 2001
        )
    assert not Annotation.objects.exists()


def test_only_the_author_changes_or_deletes(article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    with pytest.raises(PermissionDenied):
        services.annotation_update(annotation=a, actor=bob, version=1, tag="fact")
    with pytest.raises(PermissionDenied):
        services.annotation_delete(annotation=a, actor=bob, version=1)
    a.refresh_from_db()
    assert (a.tag.key, a.version, a.deleted_at) == ("opinion", 1, None)
    assert a.history.count() == 1


def test_each_change_increments_the_version_and_stale_versions_are_refused(article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    a = services.annotation_update(annotation=a, actor=alice, version=1, note="strong words")
    assert a.version == 2
    with pytest.raises(services.StaleVersion, match="changed by alice meanwhile"):
        services.annotation_update(annotation=a, actor=alice, version=1, tag="fact")
    a.refresh_from_db()
    assert (a.tag.key, a.note, a.version) == ("opinion", "strong words", 2)


def test_delete_is_soft_and_hides_the_annotation(article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    services.annotation_delete(annotation=a, actor=alice, version=1)
    assert Annotation.objects.filter(pk=a.pk).exists()
    assert not Annotation.objects.for_article(article).exists()
    with pytest.raises(ValidationError, match="deleted"):
        services.annotation_update(annotation=a, actor=alice, version=2, tag="fact")
