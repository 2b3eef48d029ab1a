"""Detection's records: each complaint's print and index rows, the repeat links with their
evidence, the matters, hot issues and group events with their members, and the auto-grading
verdicts (SPEC §8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint
from tousu.core.jsontext import StoredJSON


class Matter(models.Model):
    """Complaints found to be about one matter, whoever made them."""

    created_at = models.DateTimeField(auto_now_add=True)


class ComplaintPrint(models.Model):
    """What detection compares of a complaint (``matter.Print``), its people and its matter."""

    complaint = models.OneToOneField(Complaint, models.CASCADE, primary_key=True, related_name="print")
    received_at = models.DateTimeField()
    data = models.JSONField(default=dict, encoder=StoredJSON)
    # The keyed indexes of its complainants (phone, ID number, e-mail): who made it, never decrypted.
    people = models.JSONField(default=list, encoder=StoredJSON)
    matter = models.ForeignKey(Matter, models.SET_NULL, null=True, related_name="prints")
    # The score and shared words that put it into its matter (empty: it started the matter).
    evidence = models.JSONField(default=dict, encoder=StoredJSON)

    class Meta:
        # A matter's complaints in a window, newest first: hot issues and group events (gathering.py).
        indexes = [models.Index(fields=["matter", "received_at"], name="print_matter_when")]


class IdentityKey(models.Model):
    """One keyed index of a complainant of a complaint: ``phone:…``, ``id:…`` or ``mail:…``."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "received_at"], name="detection_identity_when")]


class Term(models.Model):
    """One of a complaint's heaviest words or marks: the candidate index of the same matter."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="+")
    term = models.CharField(max_length=60)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["term", "received_at"], name="detection_term_when")]


class RepeatLink(models.Model):
    """Why a complaint was linked to an earlier one as its repeat, and what the clerk said."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("系统识别")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已否定")

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="repeat_link")
    original = models.ForeignKey(Complaint, models.CASCADE, related_name="+")
    score = models.FloatField()
    shared = models.JSONField(default=list)
    rule = models.CharField(max_length=80)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True)
    reason = models.CharField(max_length=500, blank=True)


class Gathering(models.Model):
    """A hot issue or a group event: complaints about one matter from several people."""

    class State(models.TextChoices):
        OPEN = "open", _("关注中")
        CLOSED = "closed", _("已结束")

    matter = models.ForeignKey(Matter, models.SET_NULL, null=True, related_name="+")
    title = models.CharField(max_length=200)
    words = models.JSONField(default=list)
    people = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    # Set by a staff split or merge: the automatic evaluation no longer adds to it.
    curated = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")
    history = models.JSONField(default=list)

    class Meta:
        abstract = True
        ordering = ["-last_at", "-id"]

    def __str__(self) -> str:
        return self.title


class HotIssue(Gathering):
    complaints: models.ManyToManyField[Complaint, HotMember] = models.ManyToManyField(
        Complaint, related_name="hot_issues", through="HotMember"
    )

    class Meta(Gathering.Meta):
        verbose_name = _("热点问题")


class HotMember(models.Model):
    issue = models.ForeignKey(HotIssue, models.CASCADE)
    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="hot_member")


class GroupEvent(Gathering):
    """A group complaint event (群体/批量投诉)."""

    complaints: models.ManyToManyField[Complaint, GroupMember] = models.ManyToManyField(
        Complaint, related_name="group_events", through="GroupMember"
    )

    class Meta(Gathering.Meta):
        verbose_name = _("群体投诉")


class GroupMember(models.Model):
    event = models.ForeignKey(GroupEvent, models.CASCADE)
    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="group_member")


class Verdict(models.Model):
    """The auto-grading of a complaint: the rules that fired, the grade they give, and a staff
    override with its reason."""

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="grading")
    fired = models.JSONField(default=list)
    grade = models.CharField(max_length=40, blank=True)
    override_grade = models.CharField(max_length=40, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    override_at = models.DateTimeField(null=True)


class TimedRule(models.Model):
    """A grading rule the periodic job fired on a complaint (``unsolved_days``): each once."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="+")
    rule = models.CharField(max_length=40)
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "rule"], name="detection_timed_rule_once")]
