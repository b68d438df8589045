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
def test_racing_edits_never_lose_an_accepted_change(tags, alice):
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
