"""Reports as received, the deduplication log and suggestions, quotas and attachments.

Report content is sealed with the key of the case it belongs to; lookups that must not
hold plaintext (reporter references, idempotency keys, content digests) use keyed hashes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from akrites.accounts.models import Organisation, User
from akrites.cases.models import Case


class Channel(models.TextChoices):
    WEB = "web"
    API = "api"
    BULK = "bulk"


class SourceFormat(models.TextChoices):
    AKRITES = "akrites"
    OSV = "osv"
    SARIF = "sarif"


class JoinedBy(models.TextChoices):
    NEW_CASE = "new_case"  # opened its own case
    AUTO_MERGE = "auto_merge"  # the engine matched it to an existing case
    COORDINATOR = "coordinator"  # a coordinator moved it (merge, confirmed suggestion, split)


class Report(models.Model):
    tracking_id = models.CharField(max_length=32, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reports")
    submitted_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    source_format = models.CharField(max_length=8, choices=SourceFormat.choices)
    received_at = models.DateTimeField(db_index=True)
    ref_hash = models.CharField(max_length=64, blank=True)
    idempotency_hash = models.CharField(max_length=64, null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    joined_by = models.CharField(max_length=16, choices=JoinedBy.choices)
    dedup_score = models.FloatField(null=True, blank=True)
    dedup_band = models.CharField(max_length=8, blank=True)
    payload_sealed = models.BinaryField()
    evidence_sealed = models.BinaryField(null=True)

    class Meta:
        ordering = ("received_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("organisation", "ref_hash"),
                condition=~Q(ref_hash=""),
                name="reporter_ref_once_per_org",
            ),
            models.UniqueConstraint(
                fields=("organisation", "idempotency_hash"),
                condition=Q(idempotency_hash__isnull=False),
                name="idempotency_key_once_per_org",
            ),
        )

    def __str__(self) -> str:
        return self.tracking_id


class SuggestionState(models.TextChoices):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class DedupSuggestion(models.Model):
    """The engine thinks ``report`` may be the same flaw as ``case``; a coordinator decides."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="suggestions")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suggestions")
    score = models.FloatField()
    evidence_sealed = models.BinaryField()
    state = models.CharField(
        max_length=10, choices=SuggestionState.choices, default=SuggestionState.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-score",)

    def __str__(self) -> str:
        return f"{self.report_id}->{self.case_id} ({self.state})"


class DedupOp(models.TextChoices):
    ADD = "add"
    MOVE = "move"
    MERGE = "merge"


class DedupLog(models.Model):
    """Every change to the engine's index, in order. Each process replays what it has not
    seen before matching, so all processes agree on which report is in which case."""

    seq = models.BigAutoField(primary_key=True)
    op = models.CharField(max_length=8, choices=DedupOp.choices)
    report = models.ForeignKey(Report, null=True, on_delete=models.CASCADE, related_name="+")
    case_number = models.CharField(max_length=20)
    other_case_number = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"{self.seq} {self.op}"


class IntakeCounter(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    window = models.CharField(max_length=24)  # "m:2026-11-25T20:51" or "d:2026-11-25"
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("organisation", "window"), name="one_counter_per_window"
            ),
        )

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.window}={self.count}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    filename_sealed = models.BinaryField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    data_sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"attachment {self.pk} of {self.report_id}"
