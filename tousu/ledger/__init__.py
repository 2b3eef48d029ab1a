"""The ledger (SPEC §11): importing an organisation's complaint ledger (台账) from Excel, and the
pending ledger (未了事宜台账, ``pending``); the ledger view, exports and statistics come with issue 16."""
