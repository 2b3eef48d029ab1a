"""Chinese full-text search (SPEC §8, issue 13): a segmented index of complaints on SQLite (FTS5)
and PostgreSQL, used by the staff list and the API."""
