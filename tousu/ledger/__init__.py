"""The ledger (SPEC §11): importing an organisation's complaint ledger (台账) from Excel; the ledger
views, exports and statistics come with issue 16."""
