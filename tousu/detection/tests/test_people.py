"""Who made which complaint, for counting the people of a hot issue or a group event: complaints
that share any keyed index are one person's, whichever key comes first."""

import datetime as dt

from tousu.detection.gathering import Seen, _spans, persons

T = dt.datetime(2026, 4, 7, 9, tzinfo=dt.UTC)


def row(cid: int, *people: str, hours: int = 0) -> Seen:
    return Seen(complaint_id=cid, people=list(people), received_at=T + dt.timedelta(hours=hours))


def test_complaints_sharing_any_key_are_one_person():
    rows = [row(1, "p:A"), row(2, "i:X", "p:A"), row(3, "i:X"), row(4, "m:Z"), row(5)]
    who = persons(rows)
    assert who[1] == who[2] == who[3]  # phoned; wrote with ID and phone; wrote with the ID only
    assert len({who[1], who[4], who[5]}) == 3  # another e-mail; a complaint without a key


def test_one_caller_by_three_channels_does_not_make_a_hot_issue_with_one_neighbour():
    rows = [row(1, "p:A"), row(2, "i:X", "p:A", hours=24), row(3, "i:X", hours=48), row(4, "p:B", hours=50)]
    assert _spans(rows, days=30, threshold=3) == set()  # two people, not three
    assert _spans([*rows, row(5, "p:C", hours=60)], days=30, threshold=3) == {1, 2, 3, 4, 5}
