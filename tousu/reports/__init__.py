"""Periodic reports (SPEC §11, issue 16 §6): weekly to yearly statistics reports, the regulator's
half-yearly report, the government's quarterly statistics and the typical-case bulletin, drafted
from a frozen snapshot of ``tousu.indicators.stats``, edited, issued and rendered to Word and PDF."""
