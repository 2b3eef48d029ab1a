"""The archive file of a complaint (issue 14, part 6): one zip with a PDF dossier of the whole
record, each letter as PDF, the original attachments the reader may see, and a manifest with
every file's size and sha256 — redacted for a reader who sees the redacted view (SPEC §7)."""
