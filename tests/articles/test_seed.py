"""The seed article follows the import rules of DESIGN.md, checked against the raw text."""

import json

from annotator.rendering import blocks
from articles.services import split_title_and_text
from tests.factories import FIXTURES

RAW = (FIXTURES / "seed" / "the-situation-in-mexico.txt").read_text(encoding="utf-8")
SEED = json.loads((FIXTURES / "seed_article.json").read_text(encoding="utf-8"))[0]["fields"]
NBSP = "\u00a0"


def test_fixture_title_is_the_first_line():
    assert SEED["title"] == RAW.splitlines()[0].strip() == "The Situation in Mexico"


def test_text_starts_at_the_question_line():
    assert SEED["text"].startswith("Will the Peruvian government invade the Mexican embassy?")


def test_site_navigation_is_dropped():
    lines = SEED["text"].splitlines()
    assert "Back" not in lines
    assert "Top Bottom" not in lines
    assert SEED["text"].rstrip() == SEED["text"]
    assert RAW.rstrip().splitlines()[-2:] == ["Back", "Top Bottom"]


def test_everything_else_is_verbatim():
    raw_lines = RAW.splitlines()
    first = raw_lines.index("Will the Peruvian government invade the Mexican embassy?")
    last = raw_lines.index("Back")
    body = "\n".join(raw_lines[first:last]).rstrip(" \n" + NBSP)
    assert SEED["text"] == body


def test_typos_and_repeated_paragraph_are_kept():
    text = SEED["text"]
    assert "Betsy Chávez" in text and "Betssy Chávez" in text
    repeated = "This order gave rise to speculation that the Peruvian government would order"
    assert text.count(repeated) == 2


def test_three_sections_stay_visible():
    text = SEED["text"]
    breaks = [b for b in blocks(text) if b.kind == "break"]
    assert len(breaks) == 2  # two separators inside the text make three sections
    sections = text.split("\n" + NBSP + "\n")
    assert len(sections) == 3
    assert sections[2].startswith("Former President Andrés Manuel López Obrador")


def test_split_title_and_text_is_what_made_the_fixture():
    assert split_title_and_text(RAW) == (SEED["title"], SEED["text"])
