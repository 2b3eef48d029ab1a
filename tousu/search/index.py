"""The search index of complaints: written from what the database holds, read as a filter.

One entry per complaint (``documents.Entry``), for both views of SPEC §7:

* the redacted view (摘转) searches the stored redacted summary and content, nothing else. The
  demands and the respondents are not kept scrubbed of the complainants' identity (scrubbing takes
  milliseconds per case, too slow for a rebuild of a million), so they stay out of it: a search
  never confirms who complained;
* the plain view searches that and besides the summary and content as written (where they differ
  from the redacted ones), the demands, the respondents' names and — unless the case is anonymous
  — the complainants' work units. Their names, addresses and e-mail addresses are encrypted at
  rest and stay out of the index (issue 17 §3): a whole name or e-mail address is found through
  its keyed index (``complaints.selectors.search_q``), an address not at all.

SQLite keeps the entries in one FTS5 table (``search_complaint``; rowid = complaint id; columns
``documents.COLUMNS``), PostgreSQL in a table of one weighted ``tsvector`` with a GIN index
(``search_document``). Both are made by this app's first migration; neither has a foreign key, so
an entry of a deleted complaint matches no complaint, and writing a complaint's entry replaces
whatever was there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL

from tousu.complaints.models import Complainant, Complaint, Respondent
from tousu.search.documents import COLUMNS, Entry, document, fts5_query, query_words, tsquery, tsvector

VIEWS = ("plain", "redacted")
FTS_TABLE = "search_complaint"
PG_TABLE = "search_document"
NOTHING = Q(pk__in=[])


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


# -- writing ---------------------------------------------------------------------------------------
def refresh(ids: Iterable[int]) -> int:
    """Write the entries of the complaints ``ids`` as the database now holds them (call after
    their rows are written, inside the same transaction). Returns how many were written."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    return _write(entries({"id__in": wanted}), wanted)


def refresh_range(after: int, upto: int) -> int:
    """``refresh`` for every complaint with ``after < id <= upto`` (a batch of the bulk writer or
    of a rebuild)."""
    return _write(entries({"id__gt": after, "id__lte": upto}), None, (after, upto))


def entries(where: dict[str, Any]) -> dict[int, Entry]:
    """The entries of the complaints ``where`` selects (lookups on the complaint's id), read in
    three queries."""
    of_complaint = {f"complaint_{key}": value for key, value in where.items()}
    people: dict[int, list[str]] = {}
    for cid, organisation in Complainant.objects.filter(complaint__anonymous=False, **of_complaint).values_list(
        "complaint_id", "organisation"
    ):
        people.setdefault(cid, []).append(organisation)
    respondents: dict[int, list[str]] = {}
    for cid, *names in Respondent.objects.filter(**of_complaint).values_list(
        "complaint_id", "unit_name", "staff_name", "product_name", "partner_name"
    ):
        respondents.setdefault(cid, []).extend(n for n in names if n)
    out = {}
    rows = Complaint.objects.filter(**where).values_list(
        "id", "summary", "content", "demands", "summary_redacted", "content_redacted"
    )
    for cid, summary, content, demands, summary_redacted, content_redacted in rows.iterator(chunk_size=2000):
        # The plain text only where the redacted one differs: every word of the redacted text is a
        # word of the plain one (scrubbing only masks), and the plain view searches both.
        extra = [summary if summary != summary_redacted else "", content if content != content_redacted else ""]
        out[cid] = Entry(
            redacted=document([summary_redacted, content_redacted]),
            extra=document([*extra, demands, *respondents.get(cid, []), *people.get(cid, [])]),
        )
    return out


def _write(found: dict[int, Entry], ids: Sequence[int] | None, span: tuple[int, int] | None = None) -> int:
    """Replace the entries of ``ids`` (or of the id range ``span``) by ``found``."""
    rows: list[tuple[Any, ...]]
    if _sqlite():
        table, key = FTS_TABLE, "rowid"
        insert = f"INSERT INTO {table} (rowid, {', '.join(COLUMNS)}) VALUES (%s, %s, %s, %s, %s)"
        rows = [(cid, *entry.columns()) for cid, entry in found.items()]
    else:
        table, key = PG_TABLE, "complaint_id"
        insert = f"INSERT INTO {table} (complaint_id, document) VALUES (%s, %s::tsvector)"
        rows = [(cid, tsvector(entry)) for cid, entry in found.items()]
    with connection.cursor() as cursor:
        if span is not None:
            cursor.execute(f"DELETE FROM {table} WHERE {key} > %s AND {key} <= %s", list(span))
        else:
            for chunk in _chunks(list(ids or ()), 500):
                cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(chunk))})", chunk)
        cursor.executemany(insert, rows)
    return len(found)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def clear_beyond(top: int) -> None:
    """Forget the entries of complaint ids above ``top`` (none exist: deleted rows)."""
    with connection.cursor() as cursor:
        if _sqlite():
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid > %s", [top])
        else:
            cursor.execute(f"DELETE FROM {PG_TABLE} WHERE complaint_id > %s", [top])


def tidy() -> None:
    """After a rebuild: FTS5 merges its segments into one (faster queries, less space);
    PostgreSQL refreshes the table's statistics so that the planner knows how selective it is."""
    with connection.cursor() as cursor:
        if _sqlite():
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        else:
            cursor.execute(f"ANALYZE {PG_TABLE}")


def count() -> int:
    """How many complaints the index holds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {FTS_TABLE if _sqlite() else PG_TABLE}")
        return int(cursor.fetchone()[0])


# -- reading ---------------------------------------------------------------------------------------
class Matches(NamedTuple):
    """Filters on Complaint for the words of a query: the complaints whose plain view holds every
    word, and those whose redacted view does. Every complaint of ``redacted`` is in ``plain`` (the
    plain view searches the redacted columns too), so ``plain`` is also the cut that lets the
    database start from the index rather than from every complaint."""

    plain: Q
    redacted: Q


def match_sql(words: list[Any], *, plain: bool) -> tuple[str, list[str]]:
    """The SELECT of the ids whose ``plain`` or redacted view holds every word, and its argument."""
    if _sqlite():
        return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts5_query(words, plain=plain)]
    return f"SELECT complaint_id FROM {PG_TABLE} WHERE document @@ %s::tsquery", [tsquery(words, plain=plain)]


def matching(text: str) -> Matches:
    """The complaints that hold every word of ``text``, in any order, in each view. Each filter is
    a subquery of the caller's query, no query of its own; a text without a word matches nothing."""
    words = query_words(text)
    if not words:
        return Matches(NOTHING, NOTHING)
    return Matches(*(_ids_in(*match_sql(words, plain=view == "plain")) for view in VIEWS))


def _ids_in(sql: str, args: list[str]) -> Q:
    """``id IN (sql)``; on PostgreSQL ``id = ANY(ARRAY(sql))``: the array is computed once and the
    complaints are read by their key, where ``IN`` would let the planner walk the whole table
    newest first in search of the matches, which it cannot count in advance."""
    if _sqlite():
        return Q(id__in=RawSQL(sql, args))
    return Q(
        Func(
            F("id"),
            RawSQL(sql, args),
            template="(%(expressions)s)))",
            arg_joiner=" = ANY(ARRAY(",
            output_field=BooleanField(),
        )
    )


def ranked(text: str, *, view: str, limit: int = 50) -> list[int]:
    """The ids of the complaints whose ``view`` holds every word of ``text``, best match first
    (bm25 on SQLite, ts_rank on PostgreSQL), at most ``limit``; the caller keeps those in the
    user's scope and view."""
    assert view in VIEWS
    words = query_words(text)
    if not words:
        return []
    plain = view == "plain"
    sql, args = match_sql(words, plain=plain)
    with connection.cursor() as cursor:
        if _sqlite():
            # Words weigh more than pairs (a whole word beats the same characters inside another);
            # the redacted view ranks by its own columns only.
            weights = "2.0, 1.0, 2.0, 1.0" if plain else "2.0, 1.0, 0.0, 0.0"
            cursor.execute(f"{sql} ORDER BY bm25({FTS_TABLE}, {weights}) LIMIT %s", [*args, limit])
        else:
            cursor.execute(
                f"{sql} ORDER BY ts_rank(document, %s::tsquery) DESC, complaint_id DESC LIMIT %s", [*args, *args, limit]
            )
        return [row[0] for row in cursor.fetchall()]
