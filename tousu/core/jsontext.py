"""JSON as tousu stores it: UTF-8 text without spaces.

Django's ``JSONField`` writes ``json.dumps(value)``: every Chinese character ``\\u``-escaped (six
bytes where UTF-8 needs three) and a space after each ``,`` and ``:``. The fields that hold Chinese
text or many keys per complaint (detection's prints, the due rules, the flags, the audit payloads)
take ``encoder=StoredJSON`` instead, which halves a print's size on SQLite (bench/README.md,
"Storage: where the bytes go"). The value read back is the same: rows written before stay valid
and are read as they were. PostgreSQL stores ``jsonb`` (binary) either way.
"""

import json
from typing import Any


class StoredJSON(json.JSONEncoder):
    """``ensure_ascii=False`` and compact separators, whatever ``json.dumps`` passes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


text = StoredJSON().encode  # the text a StoredJSON field writes for a value (bulk writers)
