"""The ledger's routes (issue 16): ``GET /api/v1/ledger/pending``, the pending ledger (未了事宜台账).
Thin: it parses the query and calls ``pending.pending``."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import contract
from tousu.ledger import pending
from tousu.ledger.pending import PendingLedger

router = Router(tags=["ledger 台账"])


class PendingQuery(Schema):
    unit: str = Field("", max_length=64, description="只看此单位及其下级单位承办的（单位代码）；缺省为全部")


@router.get(
    "/ledger/pending",
    **contract({200: PendingLedger}, 404, 422),
    summary="未了事宜台账 pending ledger",
    description="调用者可见的全部在办投诉，按承办单位分组（尚无承办单位的列为「待分办」），每件列出当前期限和距期限的"
    "工作日数（正数剩余、0 今日到期、负数已超期），组内最紧急的在前；摘转件隐去投诉人。未知单位 404。",
)
def pending_ledger(request: AuthedRequest, q: Query[PendingQuery]) -> PendingLedger:
    return pending.pending(request.auth, q.unit or None)
