"""One definition of each complaint indicator (SPEC §11, issue 15 §4, issue 16 §4).

``periods`` says which complaints fall in a period (received in it, Beijing time); ``definitions``
says what each figure counts, as database aggregates over a complaint QuerySet the caller has
already scoped. The scorecards, the statistics, the dashboard, the exports and the reports all
read their figures from here; the formulas are written out in ``docs/indicators.md``.
"""
