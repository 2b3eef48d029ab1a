"""A new installation ends up indexed without ``tousu reindex``: the demo complaints (``tousu init
--demo``, registered through the services) and the seeded ones (``tousu seed``, the bulk writer)
are indexed as they are written, and found by their words."""

import io

import pytest
from django.core.management import call_command

from tousu.complaints.models import Complaint
from tousu.search import index
from tousu.search.documents import query_words

pytestmark = pytest.mark.django_db


def test_the_demo_is_indexed_as_it_is_made(api_client):
    call_command("init", preset="government", demo=True, stdout=io.StringIO())
    total = Complaint.objects.count()
    assert total > 0 and index.count() == total


def test_seeded_complaints_are_indexed_as_they_are_written(org, api_client):
    call_command("seed", count=60, batch=25, no_progress=True, sequential=True, stdout=io.StringIO())
    total = Complaint.objects.count()
    assert total >= 60 and index.count() == total
    # Every seeded complaint is found by the words of its summary, the centre sees them all.
    for c in Complaint.objects.order_by("-id")[:5]:
        words = " ".join(w.text for w in query_words(c.summary)[:3])
        answer = api_client.get(org["center"], "/complaints", q=words, limit=100).json()
        assert answer["total"] >= 1, words
        numbers = {row["number"] for row in answer["items"]}
        assert c.number in numbers or answer["total"] > 100, (words, c.number)
