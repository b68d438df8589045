"""The agreement pages and API: the same figures, charts whose cells link to the
comparisons behind them, lists that link to threads, sentences for bad input."""

import html
import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotator.selectors import agreement
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def disagreeing(article, alice, bob, carol):
    """alice and bob tag the same words differently; carol agrees with alice once."""
    return {
        "alice_fact": factories.annotate(article, alice, "Officials said the bridge", "fact"),
        "bob_opinion": factories.annotate(article, bob, "Officials said the bridge", "opinion"),
        "carol_fact": factories.annotate(article, carol, "Officials said the bridge", "fact"),
        "alice_waste": factories.annotate(article, alice, "shameful waste", "opinion"),
        "bob_double": factories.annotate(article, bob, "probably double", "speculation"),
    }


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a href="([^"]*disagreements[^"]*)"', page)]


def test_article_page_shows_the_figures_and_charts(client, article, alice, disagreeing):
    client.force_login(alice)
    response = client.get(reverse("annotator:article_agreement", args=[article.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    figures = response.context["figures"]
    assert figures.annotators == ["alice", "bob", "carol"]
    assert "Krippendorff’s unitizing α<sub>u</sub>" in page and "Cohen’s κ" in page
    assert f"{figures.alpha.value:.2f}" in page
    assert page.count('class="chart__link"') == (
        len(response.context["tag_mix"].cells) + 6 + 3 * 4  # mix segments, κ cells, confusion
    )
    links = _links(page)
    base = f"/articles/{article.slug}/agreement/disagreements/"
    assert f"{base}?a=alice&b=bob" in links
    assert f"{base}?tag=fact&other_tag=opinion" in links
    assert f"{base}?tag=fact&other_tag=none" in links
    assert f"{base}?a=bob&tag=speculation" in links
    assert "Mathet’s γ" in page  # says why γ is not computed


def test_every_chart_link_opens_a_list_that_links_to_threads(client, article, alice, disagreeing):
    client.force_login(alice)
    page = client.get(reverse("annotator:article_agreement", args=[article.slug])).content
    for link in _links(page.decode()):
        response = client.get(link)
        assert response.status_code == 200, link
        for item in response.context["items"]:
            body = response.content.decode()
            assert f'href="/annotations/{item.comparison.span.id}/thread/"' in body
            if item.comparison.match:
                assert f'href="/annotations/{item.comparison.match.id}/thread/"' in body


def test_the_list_between_two_people_names_each_disagreement_once(
    client, article, alice, disagreeing
):
    client.force_login(alice)
    url = reverse("annotator:article_disagreements", args=[article.slug])
    response = client.get(url, {"a": "alice", "b": "bob"})
    found = {
        (c.span.id, c.match and c.match.id)
        for c in (item.comparison for item in response.context["items"])
    }
    d = disagreeing
    # alice's Fact vs bob's Opinion (once, not also from bob's side); alice's opinion
    # where bob tagged nothing; bob's speculation where alice tagged nothing.
    assert len(found) == 3
    assert {frozenset(pair) - {None} for pair in found} == {
        frozenset({d["alice_fact"].pk, d["bob_opinion"].pk}),
        frozenset({d["alice_waste"].pk}),
        frozenset({d["bob_double"].pk}),
    }
    heat = response.context["total"]
    figures = agreement.article_agreement(article)
    assert figures.pair_disagreements[("alice", "bob")] == heat == 3


def test_a_diagonal_cell_lists_agreements(client, article, alice, disagreeing):
    client.force_login(alice)
    url = reverse("annotator:article_disagreements", args=[article.slug])
    response = client.get(url, {"tag": "fact", "other_tag": "fact"})
    assert response.context["wanted"].wants_agreements
    pairs = {(i.comparison.span.id, i.comparison.match.id) for i in response.context["items"]}
    d = disagreeing
    assert pairs == {
        (d["alice_fact"].pk, d["carol_fact"].pk),
        (d["carol_fact"].pk, d["alice_fact"].pk),
    }
    assert response.context["total"] == agreement.article_agreement(article).confusion[0][0]


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"a": "ghost"}, "'ghost' has no annotations here"),
        ({"tag": "gossip"}, "tag must be one of fact, opinion, speculation, not 'gossip'"),
        ({"other_tag": "x"}, "other_tag must be one of fact, opinion, speculation or none"),
    ],
)
def test_bad_list_parameters_are_a_400_with_a_sentence(
    client, article, alice, disagreeing, query, sentence
):
    client.force_login(alice)
    url = reverse("annotator:article_disagreements", args=[article.slug])
    response = client.get(url, query)
    assert response.status_code == 400
    assert sentence in html.unescape(response.content.decode())


def test_a_long_list_is_paged_and_htmx_gets_the_next_items(client, article, alice, bob):
    for _ in range(agreement.DISAGREEMENTS_PAGE + 5):
        factories.annotate(article, alice, "bridge", "fact")
    factories.annotate(article, bob, "Traffic", "fact")
    client.force_login(alice)
    url = reverse("annotator:article_disagreements", args=[article.slug])
    first = client.get(url, {"a": "alice", "b": "bob"})
    total = first.context["total"]
    assert total == agreement.DISAGREEMENTS_PAGE + 6 and len(first.context["items"]) == 100
    more = client.get(url, {"a": "alice", "b": "bob", "offset": 100}, **HX)
    assert "<html" not in more.content.decode() and len(more.context["items"]) == 6


def test_one_annotator_says_not_enough_data(client, article, alice):
    factories.annotate(article, alice, "bridge", "fact")
    client.force_login(alice)
    page = client.get(reverse("annotator:article_agreement", args=[article.slug]))
    text = page.content.decode()
    assert "Not enough data yet" in text and "only alice has annotated" in text
    assert "nan" not in text.lower().replace("annotat", "")


def test_project_page_pools_and_lists_articles(client, article, alice, bob, disagreeing):
    other = factories.make_article(created_by=alice, title="Rain", text="Rain will come soon.")
    factories.annotate(other, alice, "Rain will come", "speculation")
    factories.annotate(other, bob, "Rain will come", "speculation")
    client.force_login(alice)
    response = client.get(reverse("annotator:project_agreement"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.annotation_count == 7
    assert [row.article.pk for row, *_ in response.context["article_rows"]] == [
        other.pk,
        article.pk,
    ]
    page = response.content.decode()
    assert (
        "Computed per article" in page
        and reverse("annotator:article_agreement", args=[other.slug]) in page
    )
    links = _links(page)
    assert "/agreement/disagreements/?a=alice&b=bob" in links
    listing = client.get("/agreement/disagreements/?a=alice&b=bob")
    assert listing.status_code == 200 and "Rain" not in [
        i.annotation["article__title"] for i in listing.context["items"]
    ]  # they agree on Rain


@pytest.mark.parametrize("which", ["article", "project"])
def test_agreement_page_queries_do_not_grow(
    client, article, alice, bob, carol, django_assert_max_num_queries, which
):
    def grow(n):
        for i in range(n):
            for who, tag in ((alice, "fact"), (bob, "opinion"), (carol, "fact")):
                factories.annotate(article, who, ["bridge", "Traffic", "waste"][i % 3], tag)

    def fetch():
        url = (
            reverse("annotator:article_agreement", args=[article.slug])
            if which == "article"
            else reverse("annotator:project_agreement")
        )
        with django_assert_max_num_queries(30) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.force_login(alice)
    grow(2)
    small = fetch()
    grow(20)
    assert fetch() == small


# API --------------------------------------------------------------------------------------


def test_api_returns_the_figures_of_the_page(client, article, alice, disagreeing):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.get(f"/api/articles/{article.slug}/agreement/")
    assert response.status_code == 200
    body = json.loads(response.content, parse_constant=pytest.fail)  # no NaN, no Infinity
    figures = agreement.article_agreement(article)
    assert body["annotators"] == ["alice", "bob", "carol"] and body["annotations"] == 5
    assert body["span_level"]["alpha_u"] == {"value": figures.unitized.value, "reason": ""}
    assert body["token_level"]["alpha"]["value"] == figures.alpha.value
    assert [p["annotators"] for p in body["token_level"]["pairs"]] == [
        ["alice", "bob"], ["alice", "carol"], ["bob", "carol"],
    ]  # fmt: skip
    assert body["token_level"]["pairs"][0]["disagreements"] == 3
    assert body["confusion"]["columns"] == ["fact", "opinion", "speculation", "none"]
    assert body["confusion"]["counts"] == figures.confusion
    assert body["tag_mix"]["bob"] == {"fact": 0, "opinion": 1, "speculation": 1}
    assert "Krippendorff" in body["span_level"]["method"]


def test_api_with_one_annotator_has_nulls_with_reasons(article, alice):
    factories.annotate(article, alice, "bridge", "fact")
    api = APIClient()
    api.force_authenticate(alice)
    body = json.loads(
        api.get(f"/api/articles/{article.slug}/agreement/").content, parse_constant=pytest.fail
    )
    assert body["span_level"]["alpha_u"] == {"value": None, "reason": agreement.measures.NEEDS_TWO}
    assert body["token_level"]["pairs"] == []
    assert body["token_level"]["mean_kappa"]["value"] is None


def test_api_errors(article, alice):
    assert APIClient().get(f"/api/articles/{article.slug}/agreement/").status_code == 401
    api = APIClient()
    api.force_authenticate(alice)
    missing = api.get("/api/articles/no-such/agreement/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_schema_describes_the_agreement_and_settle_endpoints(client, alice):
    client.force_login(alice)
    schema = client.get("/api/schema/").json()
    agreement_get = schema["paths"]["/api/articles/{slug}/agreement/"]["get"]
    assert agreement_get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Agreement"
    }
    assert set(schema["paths"]["/api/annotations/{id}/settle/"]) == {"post", "delete"}
    status = schema["components"]["schemas"]["StatusEnum"]["enum"]
    assert status == ["pending", "accepted", "disputed", "settled"]
    figure = schema["components"]["schemas"]["Figure"]["properties"]["value"]
    assert figure.get("nullable") is True
