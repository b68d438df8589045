from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article
from tests.factories import FIXTURES

URL = "/articles/new/"


def test_add_article_form_is_shown(alice_client):
    html = alice_client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="text"' in html


def test_pasted_text_becomes_an_article_with_its_revision(alice_client, alice):
    text = "First paragraph.\r\n\r\nSecond one, with a typo: teh.\r\n"
    response = alice_client.post(URL, {"title": "Pasted", "text": text, "language": "en"})
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert article.text == "First paragraph.\n\nSecond one, with a typo: teh."
    assert (article.slug, article.created_by) == ("pasted", alice)
    assert article.history.get().history_user == alice


def test_an_uploaded_file_without_a_title_takes_its_first_line(alice_client):
    raw = (FIXTURES / "seed" / "the-situation-in-mexico.txt").read_bytes()
    upload = SimpleUploadedFile("mexico.txt", raw, content_type="text/plain")
    response = alice_client.post(URL, {"file": upload, "language": "en"})
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.title == "The Situation in Mexico"
    assert article.text.startswith("Will the Peruvian government")
    assert not article.text.endswith("Top Bottom")


def _error(client, data):
    response = client.post(URL, data)
    assert response.status_code == 200
    assert not Article.objects.exists()
    return response.content.decode()


def test_bad_articles_are_refused_with_a_reason(alice_client):
    assert "Paste the article" in _error(alice_client, {"title": "Empty", "text": "  "})
    latin1 = SimpleUploadedFile("a.txt", "Niño".encode("latin-1"))
    assert "not UTF-8" in _error(alice_client, {"file": latin1})
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    assert "Upload a .txt or .md file" in _error(alice_client, {"file": pdf})
    big = SimpleUploadedFile("a.txt", b"x" * (1024 * 1024 + 1))
    assert "larger than 1 MB" in _error(alice_client, {"file": big})
    both = SimpleUploadedFile("a.txt", b"Title\n\nBody")
    assert "not both" in _error(alice_client, {"file": both, "text": "Body"})
    assert "no text after it" in _error(alice_client, {"text": "Only a title line"})


def test_html_in_a_title_is_shown_as_text(alice_client):
    alice_client.post(URL, {"title": "<script>alert(1)</script>News", "text": "Body <b>x</b>"})
    article = Article.objects.get()
    html = alice_client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;News" in html
    assert "Body &lt;b&gt;x&lt;/b&gt;" in html


def test_the_form_has_no_colons_marks_text_required_and_attaches_errors(alice_client):
    html = alice_client.get(URL).content.decode()
    assert "Title:" not in html and ">Title<" in html
    assert '<label for="id_text">Text<span class="required-mark"' in html
    assert 'aria-required="true"' in html
    assert 'aria-describedby="id_text_helptext"' in html
    html = _error(alice_client, {"title": "Empty", "text": "  "})
    # The error sits under Text, and the field points to it.
    assert 'id="id_text_error"><p class="form-error">Paste the article' in html
    assert 'aria-describedby="id_text_helptext id_text_error"' in html
    assert 'aria-invalid="true"' in html
