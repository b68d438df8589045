"""Regenerate fixtures/seed_article.json from the raw seed text.

Run with: .venv/bin/python manage.py shell < scripts/make_seed_fixture.py
The fixture names the article by its natural key (the slug), so `manage.py loaddata`
loads it on a fresh database and a second load changes nothing.
"""

import json
from pathlib import Path

from articles.services import split_title_and_text

root = Path("fixtures")
raw = (root / "seed" / "the-situation-in-mexico.txt").read_text(encoding="utf-8")
title, text = split_title_and_text(raw)
fixture = [
    {
        "model": "articles.article",
        "fields": {
            "slug": "the-situation-in-mexico",
            "title": title,
            "language": "en",
            "text": text,
            "created_by": None,
            "created": "2026-11-01T00:00:00Z",
            "modified": "2026-11-01T00:00:00Z",
        },
    }
]
(root / "seed_article.json").write_text(
    json.dumps(fixture, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
)
print(f"wrote {root / 'seed_article.json'}: {title!r}, {len(text)} code points")
