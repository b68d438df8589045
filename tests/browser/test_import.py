"""The import page in a browser: choose a file, read the preview, import, open the article."""

import json
import re

import pytest
from playwright.sync_api import expect

from annotator.models import Annotation
from tests import factories
from tests.worker import run_worker

pytestmark = pytest.mark.browser


def test_upload_a_file_see_the_preview_and_import(
    live_server, page, sign_in, tags, alice, bob, console_errors, tmp_path
):
    article = factories.make_article(created_by=bob)
    factories.annotate(article, alice, "Officials said", "fact")
    file = tmp_path / "from-doccano.jsonl"
    file.write_text(
        json.dumps(
            {
                "text": article.text,
                "label": [[0, 14, "fact"], [51, 65, "opinion"], [0, 9, "rumour"]],
                "note": ["", "Loaded word.", ""],
            }
        )
        + "\n{broken\n"
    )

    sign_in(alice)
    page.get_by_role("link", name="Import annotations").click()
    expect(page.get_by_role("heading", name="Import annotations")).to_be_visible()
    page.get_by_label("File").set_input_files(str(file))
    page.get_by_role("button", name="Preview").click()

    preview = page.locator(".import-preview")
    expect(preview).to_contain_text("Read as doccano (JSONL)")
    expect(preview).to_contain_text("1 annotation to create")
    expect(preview).to_contain_text("1 skipped: already here")
    expect(preview).to_contain_text("2 refused")
    expect(preview.locator(".import-refused li")).to_have_count(2)
    expect(preview.locator(".import-refused")).to_contain_text("line 2: This is not valid JSON")
    expect(preview.locator(".import-refused")).to_contain_text(
        "line 1, label 3: There is no tag called 'rumour'."
    )
    expect(preview.get_by_role("row", name="The Bridge")).to_contain_text("1")
    assert Annotation.objects.count() == 1  # the preview wrote nothing

    page.get_by_role("button", name="Import 1 annotation").click()
    expect(page).to_have_url(f"{live_server.url}/import/done/")
    result = page.locator(".import-result")
    expect(result).to_contain_text("1 annotation created")
    expect(result).to_contain_text("2 refused and left out")
    made = Annotation.objects.get(note="Loaded word.")
    assert (made.quote, made.tag.key, made.author) == ("shameful waste", "opinion", alice)

    result.get_by_role("link", name="The Bridge").click()
    expect(page).to_have_url(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator(f'mark[data-annotation-id="{made.pk}"]').first).to_be_visible()
    assert console_errors == []


def test_a_large_file_imports_in_the_background_with_a_live_progress_bar(
    live_server, page, sign_in, settings, tags, alice, console_errors, tmp_path
):
    settings.IMPORT_BACKGROUND_RECORDS = 2  # this file's 3 labels count as large
    text = "Officials said the bridge will open next year, and critics called it a waste."
    file = tmp_path / "large.jsonl"
    file.write_text(
        json.dumps({"text": text, "title": "Bridge news",
                    "label": [[0, 14, "fact"], [19, 25, "fact"], [70, 77, "opinion"]]})  # fmt: skip
        + "\n"
    )
    sign_in(alice)
    page.goto(f"{live_server.url}/import/")
    page.get_by_label("File").set_input_files(str(file))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Import 3 annotations").click()

    expect(page).to_have_url(re.compile(r"/import/tasks/[0-9a-f-]{36}/$"))
    task_url = page.url
    status = page.get_by_role("status")
    expect(status).to_have_text("Waiting to start: 3 annotations to import.")
    expect(page.locator("progress")).to_have_attribute("max", "3")
    expect(page.locator("progress")).to_have_attribute("value", "0")
    page.evaluate("window.stillThisPage = true")  # gone if the page were reloaded
    assert Annotation.objects.count() == 0

    run_worker()
    result = page.locator(".import-result")
    expect(result).to_contain_text("3 annotations created, in 1 new article")  # polled by htmx
    assert page.evaluate("window.stillThisPage") is True and page.url == task_url
    expect(page.locator("progress")).to_have_count(0)
    result.get_by_role("link", name="Bridge news").click()
    expect(page.locator("mark[data-annotation-id]")).to_have_count(3)
    assert Annotation.objects.filter(author=alice).count() == 3
    assert console_errors == []
