"""Builders for test objects. They write through the services, as the app does."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotator import services
from annotator.models import CURATORS_GROUP, Tag
from articles import services as article_services

PASSWORD = "test-pass-123"  # noqa: S105 - test accounts only
FIXTURES = Path(settings.BASE_DIR) / "fixtures"

DEFAULT_TAGS = {
    "fact": ("Fact", "f", "#bfdbfe", 1),
    "opinion": ("Opinion", "o", "#fde68a", 2),
    "speculation": ("Speculation", "s", "#fbcfe8", 3),
}

SAMPLE_TEXT = (
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful waste of money.\n\n"
    "Traffic will probably double next year."
)


def ensure_default_tags() -> dict[str, Tag]:
    """The data migration makes these; transactional tests flush them, so remake them."""
    result = {}
    for key, (label, shortcut, colour, order) in DEFAULT_TAGS.items():
        result[key], _ = Tag.objects.get_or_create(
            key=key,
            defaults={"label": label, "shortcut": shortcut, "colour": colour, "order": order},
        )
        if not result[key].label_es:  # as migration 0020 names them in Spanish
            result[key].label_es = SPANISH_LABELS[key]
            result[key].save(update_fields=["label_es"])
    return result


SPANISH_LABELS = {"fact": "Hecho", "opinion": "Opinión", "speculation": "Especulación"}


def make_user(username: str, password: str = PASSWORD, **fields):
    user = get_user_model()(username=username, **fields)
    user.set_password(password)
    user.save()
    return user


def make_token(user) -> str:
    """A new API token for `user`: the key to send as "Authorization: Token <key>"."""
    from annotator.services import tokens

    return tokens.token_create(user=user)[1]


def make_article(*, created_by, title="The Bridge", text=SAMPLE_TEXT, **fields):
    return article_services.article_create(title=title, text=text, created_by=created_by, **fields)


def load_seed_article():
    item = json.loads((FIXTURES / "seed_article.json").read_text(encoding="utf-8"))[0]
    fields = item["fields"]
    return article_services.article_create(
        title=fields["title"], text=fields["text"], slug=fields["slug"], created_by=None
    )


def annotate(article, author, phrase: str, tag: str = "fact", *, occurrence: int = 0, note=""):
    """Annotate the `occurrence`-th appearance of `phrase` in the article's text, as an
    annotator working on their own would: someone else's identical tag is no obstacle
    (the reader offers "agree instead"; tests of that call the service themselves)."""
    start = -1
    for _ in range(occurrence + 1):
        start = article.text.index(phrase, start + 1)
    return services.annotation_create(
        article=article,
        author=author,
        start=start,
        end=start + len(phrase),
        tag=tag,
        note=note,
        allow_copy=True,
    )


def make_curator(user):
    """Put `user` in the curators group (a migration makes it; transactional tests flush
    it, so it is made again here when missing)."""
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    user.groups.add(group)
    user.__dict__.pop("_is_curator", None)
    return user


def annotate_many(article, author, n: int, tag: str = "fact") -> list:
    """`n` annotations by `author` on distinct spans of the article that nobody tagged
    yet (identical spans and tags would be one annotation, or an "agree instead")."""
    from annotator.models import Annotation

    article.refresh_from_db(fields=["text", "version"])  # a revision may have changed it
    text = article.text
    taken = set(Annotation.objects.filter(article=article).values_list("start", "end"))
    made = []
    for length in range(1, len(text) + 1):
        for start in range(0, len(text) - length + 1):
            if len(made) == n:
                return made
            span = text[start : start + length]
            if (start, start + length) in taken or not span.strip() or span != span.strip():
                continue
            taken.add((start, start + length))
            made.append(
                services.annotation_create(
                    article=article, author=author, start=start, end=start + length, tag=tag
                )
            )
    if len(made) < n:
        raise ValueError(f"The article has room for only {len(made)} more distinct spans.")
    return made


def doccano_file(articles: int, per: int, *, bad_last=False) -> str:
    """A doccano JSONL file of `articles` articles of about 60,000 characters, each with
    `per` one-word labels; with `bad_last`, the last label is invalid (end before start)."""
    import json

    text = " ".join(f"word{n:05d}" for n in range(6000))
    lines = []
    for a in range(articles):
        offset = len(f"Article {a}. ")
        labels = [[offset + i * 10, offset + i * 10 + 9, ("fact", "opinion")[i % 2]]
                  for i in range(per)]  # fmt: skip
        if bad_last and a == articles - 1:
            labels[-1] = [5, 4, "fact"]
        lines.append(
            json.dumps({"text": f"Article {a}. " + text, "title": f"Imported {a}", "label": labels})
        )
    return "\n".join(lines) + "\n"
