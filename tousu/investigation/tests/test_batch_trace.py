"""The batch-trace panel: the other complaints on the same batch or product, only those the
reader may see and only as the reader may see them."""

import pytest

from tousu.investigation import selectors

pytestmark = pytest.mark.django_db


def _cream(register, batch, product="护肤霜", name="李四"):
    return register(
        summary=f"{name}反映{product}起疹",
        complainants=[{"name": name, "phone": "13912345678"}],
        respondents=[{"unit": "amr", "product_name": product, "batch": batch}],
    )


@pytest.fixture
def neighbours(register, walk, handling):
    return {
        "same_batch": walk(_cream(register, "B260101"), "accept", "dispatch", "sign"),
        "same_product": walk(_cream(register, "B260202"), "accept", "dispatch"),
        "other": walk(_cream(register, "B999999", product="洗发水"), "accept", "dispatch"),
        # Accepted by the centre, not yet dispatched: outside the bureau's scope.
        "unseen": walk(_cream(register, "B260101", name="王五"), "accept"),
    }


def test_it_lists_the_same_batch_and_product_and_not_another_batch(handling, neighbours, center):
    trace = selectors.batch_trace_of(center, handling.number)
    assert trace["batch"] == "B260101" and trace["product"] == "护肤霜"
    same_batch = {r["number"] for r in trace["same_batch"]}
    assert same_batch == {neighbours["same_batch"].number, neighbours["unseen"].number}
    assert {r["number"] for r in trace["same_product"]} == {neighbours["same_product"].number}
    everything = same_batch | {r["number"] for r in trace["same_product"]}
    assert neighbours["other"].number not in everything and handling.number not in everything
    assert any("李四" in r["summary"] for r in trace["same_batch"])  # the centre sees who complained


def test_it_hides_what_the_reader_may_not_see(handling, neighbours, handler):
    trace = selectors.batch_trace_of(handler, handling.number)
    numbers = {r["number"] for r in trace["same_batch"]}
    assert numbers == {neighbours["same_batch"].number}  # not the case outside the bureau's scope
    row = trace["same_batch"][0]
    # The bureau is the respondent: it reads the redacted summary, without the complainant's name.
    assert "李四" not in row["summary"] and "起疹" in row["summary"]
    assert set(row) == {"number", "summary", "status", "received_at", "batch", "product"}


def test_the_batch_entered_by_the_investigator_is_traced(handling, neighbours, handler, center):
    from tousu.investigation import services

    services.set_batch_trace(
        actor=handler,
        number=handling.number,
        data=services.BatchIn(batch="B260202", retained_sample="留样3瓶", sample_result="符合规定"),
    )
    trace = selectors.batch_trace_of(center, handling.number)
    assert trace["batch"] == "B260202" and trace["retained_sample"] == "留样3瓶"
    assert {r["number"] for r in trace["same_batch"]} == {neighbours["same_product"].number}
