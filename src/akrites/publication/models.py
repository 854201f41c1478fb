"""Advisories and what is public about them.

An advisory is drafted from a case; while it is not public its record is sealed with the
case key. Publishing writes every format (``PublishedDocument``) and the package index the
OSV API answers from (``PublishedPackage``) in the same transaction that marks the advisory
published: the public sees all of it or none of it."""

from __future__ import annotations

from django.db import models

from akrites.domain.lifecycle import AdvisoryState


class Advisory(models.Model):
    identifier = models.CharField(max_length=20, unique=True)  # AKR-2026-0042
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="advisory")
    state = models.CharField(
        max_length=16,
        choices=[(s.value, s.value) for s in AdvisoryState],
        default=AdvisoryState.DRAFT.value,
    )
    cve_id = models.CharField(max_length=32, blank=True)
    record_sealed = models.BinaryField()  # the domain Advisory as JSON, under the case key
    release_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-year", "-seq")
        constraints = (
            models.UniqueConstraint(fields=("year", "seq"), name="advisory_number_once"),
        )
        indexes = (models.Index(fields=("state", "release_at"), name="advisory_due"),)

    def __str__(self) -> str:
        return self.identifier


class AdvisoryCounter(models.Model):
    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class AdvisoryComment(models.Model):
    """A participant's comment on the draft, under embargo: sealed with the case key."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    body_sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.advisory_id}"


class CreditPreference(models.Model):
    """How a finder wants to be credited for one report: whether, and under what name."""

    report = models.OneToOneField(
        "intake.Report", on_delete=models.CASCADE, related_name="credit_preference"
    )
    consent = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True)
    credit_type = models.CharField(max_length=32, default="finder")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"credit for {self.report_id}"


class PublishedDocument(models.Model):
    """One public file of one advisory revision: OSV, CVE, CSAF, OpenVEX, CycloneDX."""

    advisory = models.ForeignKey(Advisory, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16)  # osv | cve | csaf | csaf-vex | openvex | cyclonedx
    path = models.CharField(max_length=300)  # where it is served, e.g. /osv/v1/vulns/<id>
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    sha512 = models.CharField(max_length=128)
    signature = models.TextField(blank=True)  # ASCII-armoured detached OpenPGP signature
    signing_key = models.CharField(max_length=64, blank=True)  # fingerprint
    revision = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    current = models.BooleanField(default=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("advisory", "kind"),
                condition=models.Q(current=True),
                name="one_current_document_per_kind",
            ),
        )
        indexes = (models.Index(fields=("kind", "current"), name="published_kind"),)

    def __str__(self) -> str:
        return self.path


class PublishedPackage(models.Model):
    """The OSV API's index: which (ecosystem, package) a published advisory affects."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="packages")
    ecosystem = models.CharField(max_length=64)
    name = models.CharField(max_length=300)
    # The name as the ecosystem compares it (PEP 503 for PyPI): what queries look up.
    name_key = models.CharField(max_length=300, default="")
    purl = models.CharField(max_length=512)

    class Meta:
        indexes = (
            models.Index(fields=("ecosystem", "name"), name="published_package"),
            models.Index(fields=("name_key", "ecosystem"), name="published_package_key"),
        )

    def __str__(self) -> str:
        return f"{self.ecosystem}/{self.name}"


class SigningKey(models.Model):
    """The instance's OpenPGP key for signing public documents. The secret key is kept as
    a ``cases.WrappedKey`` (wrapped by the master key) named ``signing:<fingerprint>``."""

    fingerprint = models.CharField(max_length=64, primary_key=True)
    public_armored = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.fingerprint
