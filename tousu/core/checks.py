"""System checks tagged ``deploy``: what ``TOUSU_PRODUCTION=1`` refuses at startup, flagged by
``tousu check --deploy`` on any configuration (README, "Production")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def secrets_are_set(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.SECRET_KEY == settings.TOUSU_DEVELOPMENT_SECRET_KEY:
        problems.append(
            Warning(
                "SECRET_KEY is the development key published in the source code.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to at least 50 random characters.",
                id="tousu.W001",
            )
        )
    if not settings.TOUSU_PII_KEY and not settings.TOUSU_PII_KEYS:
        problems.append(
            Warning(
                "TOUSU_PII_KEY is not set: personal data at rest is encrypted with a key derived from SECRET_KEY.",
                hint="Set TOUSU_PII_KEY (or TOUSU_PII_KEY_FILE); to keep existing data readable, give it the "
                "current SECRET_KEY value, then choose a new SECRET_KEY.",
                id="tousu.W002",
            )
        )
    elif settings.TOUSU_PII_KEY == settings.SECRET_KEY:
        problems.append(
            Warning(
                "TOUSU_PII_KEY equals SECRET_KEY: one leaked key exposes both sessions and personal data.",
                hint="Choose a new SECRET_KEY; TOUSU_PII_KEY keeps the personal data readable.",
                id="tousu.W003",
            )
        )
    if not settings.TOUSU_AUDIT_KEY:
        problems.append(
            Warning(
                "TOUSU_AUDIT_KEY is not set: the audit chain is not keyed by a secret held outside the database.",
                hint="Set TOUSU_AUDIT_KEY (or TOUSU_AUDIT_KEY_FILE).",
                id="tousu.W004",
            )
        )
    if not settings.TOUSU_PRODUCTION:
        problems.append(
            Warning(
                "TOUSU_PRODUCTION is not set: startup does not refuse development secrets.",
                hint="Set TOUSU_PRODUCTION=1 on production servers.",
                id="tousu.W005",
            )
        )
    return problems


@register(Tags.database)
def pii_keys_open_the_data(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The configured PII keys decrypt the values stored (core.crypto.check_keys): a wrong key is
    an error before the server serves empty names (`tousu check --database default`, /readyz)."""
    from django.core.checks import Error

    from tousu.core.crypto import check_keys

    if not databases:
        return []
    return [
        Error(
            problem,
            hint="Set TOUSU_PII_KEYS (or TOUSU_PII_KEY) to the keys the data was written with.",
            id="tousu.E020",
        )
        for problem in check_keys()
    ]


@register()
def presets_load(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every preset folder validates: a broken one is named with its file, path and reason. A
    warning, not an error: the installation runs on the preset in force, and `tousu init` and
    `tousu preset switch` refuse the broken one by name."""
    from tousu.presets import BROKEN

    return [
        Warning(str(err), hint="Fix the file, or check it with `tousu preset check FOLDER`.", id="tousu.W010")
        for err in BROKEN.values()
    ]
