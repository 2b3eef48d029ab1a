"""Rebuilding the search index (``tousu reindex``): every complaint's documents written anew, in
batches of ascending ids, one transaction each, the progress kept in ``Rebuild`` so that an
interrupted run resumes where it stopped. Complaints registered meanwhile are indexed as they are
written, so a rebuild only walks the ids that existed when it started."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tousu.complaints.models import Complaint
from tousu.search import index
from tousu.search.models import Rebuild


def current(*, restart: bool = False) -> Rebuild:
    """The unfinished run to resume, or a new one (``restart``: a new one in any case)."""
    run = None if restart else Rebuild.objects.filter(finished_at__isnull=True).first()
    if run is None:
        top = Complaint.objects.aggregate(m=Max("id"))["m"] or 0
        run = Rebuild.objects.create(started_at=timezone.now(), upto=top)
    return run


def remaining(run: Rebuild) -> int:
    return Complaint.objects.filter(id__gt=run.done, id__lte=run.upto).count()


def advance(run: Rebuild, *, batch: int = 2000, each: Callable[[int], None] | None = None) -> Rebuild:
    """Rewrite the documents of the run's remaining complaints, ``batch`` ids at a time; ``each``
    is told how many complaints every batch wrote."""
    while run.done < run.upto:
        with transaction.atomic():
            upto = _batch_end(run, batch)
            written = index.refresh_range(run.done, upto)
            run.done = upto
            run.save(update_fields=["done"])
        if each is not None:
            each(written)
    with transaction.atomic():
        index.clear_beyond(max(run.upto, Complaint.objects.aggregate(m=Max("id"))["m"] or 0))
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    index.tidy()
    return run


def _batch_end(run: Rebuild, size: int) -> int:
    """The id that ends the next batch of ``size`` complaints (ids have gaps: deleted rows)."""
    ids = Complaint.objects.filter(id__gt=run.done, id__lte=run.upto).order_by("id").values_list("id", flat=True)
    last = list(ids[size - 1 : size])
    return int(last[0]) if last else run.upto
