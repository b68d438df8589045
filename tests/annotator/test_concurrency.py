"""No lost update: clients racing on one annotation, each in its own thread, connection
and transaction. Exactly one edit wins per version; history holds every winner in order."""

import threading

import pytest
from django.db import connection

from annotator import services
from annotator.models import Annotation
from tests import factories

CLIENTS = 6
ROUNDS = 5


def _race(annotation_id: int, version: int, users: list) -> list:
    barrier = threading.Barrier(len(users))
    results = [None] * len(users)

    def edit(i, user):
        try:
            barrier.wait()
            a = Annotation.objects.get(pk=annotation_id)
            services.annotation_update(
                annotation=a, actor=user, version=version, note=f"round {version} by {i}"
            )
            results[i] = "won"
        except services.StaleVersion:
            results[i] = "stale"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[i] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_racing_edits_lose_no_accepted_change(tags, alice):
    article = factories.make_article(created_by=alice)
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    winners = []
    for version in range(1, ROUNDS + 1):
        results = _race(a.pk, version, [alice] * CLIENTS)
        assert sorted(results) == ["stale"] * (CLIENTS - 1) + ["won"], results
        winners.append(f"round {version} by {results.index('won')}")

    a.refresh_from_db()
    assert a.version == ROUNDS + 1
    assert a.note == winners[-1]
    changes = list(a.history.filter(history_type="~").order_by("history_id"))
    assert [(h.version, h.note) for h in changes] == [
        (v + 2, note) for v, note in enumerate(winners)
    ]
    assert all(h.history_user == alice for h in changes)


@pytest.mark.django_db(transaction=True)
def test_racing_api_clients_over_http_one_wins_per_version(live_server, tags, alice):
    """Several HTTP clients PATCH the same ETag at once through the running server."""
    import httpx

    article = factories.make_article(created_by=alice)
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    token = factories.make_token(alice)
    headers = {"Authorization": f"Token {token}"}
    url = f"{live_server.url}/api/annotations/{a.pk}/"
    accepted = []
    for round_ in range(ROUNDS):
        etag = httpx.get(url, headers=headers).headers["ETag"]
        barrier = threading.Barrier(CLIENTS)
        responses = [None] * CLIENTS

        def patch(i, etag=etag, barrier=barrier, responses=responses, round_=round_):
            with httpx.Client(headers=headers, timeout=30) as client:
                barrier.wait()
                responses[i] = client.patch(
                    url, json={"note": f"round {round_} client {i}"}, headers={"If-Match": etag}
                )

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [412] * (CLIENTS - 1), [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200)
        losers = [r for r in responses if r.status_code == 412]
        assert all(r.headers["ETag"] == winner.headers["ETag"] for r in losers)
        assert all(r.json()["code"] for r in losers)
        accepted.append(winner.json()["note"])

    a.refresh_from_db()
    assert a.note == accepted[-1] and a.version == ROUNDS + 1
    notes = list(a.history.filter(history_type="~").order_by("history_id").values_list("note"))
    assert [n for (n,) in notes] == accepted


@pytest.mark.django_db(transaction=True)
def test_racing_first_verdicts_over_http_give_one_201(live_server, tags, alice, bob):
    """Eight clients send the same reviewer's first verdict at once: one review is
    stored, one answer is 201 Created and the other seven are 200."""
    import httpx

    from annotator.models import Review

    article = factories.make_article(created_by=alice)
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    headers = {"Authorization": f"Token {factories.make_token(bob)}"}
    url = f"{live_server.url}/api/annotations/{a.pk}/review/"
    clients = 8
    barrier = threading.Barrier(clients)
    responses = [None] * clients

    def put(i):
        with httpx.Client(headers=headers, timeout=30) as client:
            barrier.wait()
            responses[i] = client.put(url, json={"verdict": "agree"})

    threads = [threading.Thread(target=put, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (clients - 1) + [201], [r.text for r in responses]
    assert all(r.json()["verdict"] == "agree" for r in responses)
    assert Review.objects.filter(annotation=a, reviewer=bob).count() == 1
    assert Review.history.filter(history_type="+").count() == 1


def _race_creates(url: str, headers: list[dict], payload: dict) -> list:
    import httpx

    barrier = threading.Barrier(len(headers))
    responses = [None] * len(headers)

    def post(i):
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            responses[i] = client.post(url, json=payload, headers=headers[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(headers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return responses


@pytest.mark.django_db(transaction=True)
def test_racing_double_submits_over_http_make_one_annotation(live_server, tags, alice, bob):
    """A double click sent twice at once, with the same Idempotency-Key or without any:
    one row, and every response names it."""

    article = factories.make_article(created_by=alice)
    token = {"Authorization": f"Token {factories.make_token(alice)}"}
    url = f"{live_server.url}/api/articles/{article.slug}/annotations/"
    start = article.text.index("shameful")
    keyed = _race_creates(
        url,
        [token | {"Idempotency-Key": "same-click"}] * CLIENTS,
        {"start": start, "end": start + 8, "tag": "opinion"},
    )
    unkeyed = _race_creates(url, [token] * CLIENTS, {"start": 0, "end": 9, "tag": "fact"})
    for responses in (keyed, unkeyed):
        assert [r.status_code for r in responses] == [201] * CLIENTS, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
        replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
        assert sorted(replayed, key=str) == [None] + ["true"] * (CLIENTS - 1)
    assert Annotation.objects.count() == 2
    # Bob's copy of Alice's tag is refused: agree with it instead.
    bob_token = {"Authorization": f"Token {factories.make_token(bob)}"}
    copies = _race_creates(
        url, [bob_token] * 3, {"start": start, "end": start + 8, "tag": "opinion"}
    )
    assert [r.status_code for r in copies] == [409] * 3
    assert copies[0].json()["code"] == "already_tagged"
    assert copies[0].headers["Location"] == f"/api/annotations/{keyed[0].json()['id']}/"
    assert Annotation.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_creates_racing_a_revision_never_land_on_the_wrong_words(tags, alice, bob):
    # Each create checks its offsets against the text under the article's row lock,
    # which article_revise holds while it carries the annotations it found: a create
    # lands before the revision (and is carried across) or after it (and its old
    # offsets are refused), never between.
    from annotator.models import Annotation as A  # noqa: N817
    from articles.models import Article

    article = factories.make_article(created_by=alice)
    factories.annotate_many(article, bob, 150)  # so the revision takes a while
    phrase = "shameful waste"
    start = article.text.index(phrase)
    barrier = threading.Barrier(CLIENTS + 1)
    outcomes, created_ids = [], set()

    def create(i):
        mine = Article.objects.get(pk=article.pk)  # the text as this client loaded it
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                try:
                    made = services.annotation_create(
                        article=mine, author=bob, start=start, end=start + len(phrase),
                        tag="opinion", quote=phrase,
                    )  # fmt: skip
                    # Repeats within the duplicate window answer with the same row.
                    outcomes.append("created")
                    created_ids.add(made.pk)
                except services.StaleVersion:
                    outcomes.append("stale")
                except Exception as error:  # noqa: BLE001 - the sentence is checked below
                    outcomes.append(str(error))
        finally:
            connection.close()

    def revise():
        try:
            barrier.wait()
            current = Article.objects.get(pk=article.pk)
            services.article_revise(
                article=current, actor=alice, text="A preface.\n\n" + current.text
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(CLIENTS)]
    threads.append(threading.Thread(target=revise))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    article.refresh_from_db()
    assert article.version == 2
    refused = [o for o in outcomes if o != "created"]
    assert all("does not match the article" in o for o in refused), refused
    made = A.objects.filter(article=article, quote=phrase)
    # Which side wins the race varies; either way nothing lands on the wrong words.
    assert set(made.values_list("pk", flat=True)) == created_ids
    for a in A.objects.filter(article=article):
        assert article.text[a.start : a.end] == a.quote, (a.pk, a.start, a.quote)
