"""Cases: one per flaw, however many reports. Case text is sealed with the case's own key."""

from __future__ import annotations

from django.db import models

from akrites.domain.lifecycle import CaseState


class Case(models.Model):
    number = models.CharField(max_length=20, unique=True)  # AK-2026-0042
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    state = models.CharField(
        max_length=32,
        choices=[(s.value, s.value) for s in CaseState],
        default=CaseState.RECEIVED.value,
    )
    first_reported_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    title_sealed = models.BinaryField()
    # TLP 2.0 label of the case; content inherits it (see akrites.domain.tlp.ContentLabel).
    tlp = models.CharField(max_length=16, default="AMBER+STRICT")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    # Triage's assessment (akrites.domain.assessment). The component link, severity,
    # priority and dates are kept in clear for the queue's filters; the why (reasons, fix
    # references, fixed versions) is in ``details_sealed``, under the case key.
    component = models.ForeignKey(
        "registry.Component", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(max_length=16, blank=True)
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    exploited_since = models.DateTimeField(null=True, blank=True)
    maintainer_notified_at = models.DateTimeField(null=True, blank=True)
    maintainer_responded_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    details_sealed = models.BinaryField(null=True)

    class Meta:
        ordering = ("-first_reported_at",)
        indexes = (
            models.Index(fields=("state", "priority"), name="case_queue"),
            models.Index(fields=("deadline",), name="case_deadline"),
        )
        constraints = (models.UniqueConstraint(fields=("year", "seq"), name="case_number_once"),)

    def __str__(self) -> str:
        return self.number


class CaseKey(models.Model):
    """The case's data key, wrapped by the master key. Deleting ``wrapped`` (destroy) makes
    every value sealed under it unreadable."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="key")
    wrapped = models.BinaryField(null=True)
    master_key_id = models.CharField(max_length=16)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"key of {self.case_id}"


class CaseCounter(models.Model):
    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Mutex(models.Model):
    """Named rows locked with SELECT ... FOR UPDATE to serialise a critical section across
    processes (on SQLite, immediate transactions already serialise writers)."""

    name = models.CharField(max_length=64, primary_key=True)
    # Bumped when what the guarded state depends on changes (for "dedup": package aliases).
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class CaseOrganisation(models.Model):
    """An organisation invited to a case in a role. Removing it ends its people's access."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="organisations")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="case_invitations"
    )
    role = models.CharField(max_length=16)
    invited_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("case", "organisation"),
                condition=models.Q(removed_at__isnull=True),
                name="one_live_invitation_per_org",
            ),
        )

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.case_id} as {self.role}"


class CaseParticipant(models.Model):
    """A person read in to a case. Access lasts while ``removed_at`` is empty."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="case_participations"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16)
    added_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("case", "user"),
                condition=models.Q(removed_at__isnull=True),
                name="one_live_participation_per_user",
            ),
        )
        indexes = (models.Index(fields=("user", "removed_at"), name="participant_user_live"),)

    def __str__(self) -> str:
        return f"{self.user_id} in {self.case_id} as {self.role}"


class WrappedKey(models.Model):
    """Platform keys that are not per case (e.g. the search/lookup index key), wrapped by the
    master key like case keys, so they survive master-key rotation unchanged."""

    name = models.CharField(max_length=80, primary_key=True)
    wrapped = models.BinaryField()
    master_key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class CaseEmbargo(models.Model):
    """The case's embargo. The value (parties, proposals, reasons) is sealed with the case
    key; the status and agreed end are kept in clear for the scheduler and the queue."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="embargo")
    status = models.CharField(max_length=16)
    end_at = models.DateTimeField(null=True, blank=True)
    value_sealed = models.BinaryField()
    reminders_sent = models.JSONField(default=list, blank=True)  # ISO times already announced
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"embargo of {self.case_id}: {self.status}"
