"""Organisations' webhook endpoints, their sealed signing secrets, and every delivery with
each of its attempts. Persistence only: writes go through :mod:`akrites.webhooks.services`."""

from __future__ import annotations

from django.db import models


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)  # CaseEvent values
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"webhook {self.pk} of {self.organisation_id}"


class WebhookSecret(models.Model):
    """A signing secret, sealed under the platform's webhook key (it must be usable to sign,
    so it cannot be hashed). Signs while ``retires_at`` is empty or in the future."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    sealed = models.BinaryField()
    created_at = models.DateTimeField()
    retires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"secret {self.pk} of webhook {self.endpoint_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed (gave up)"
    DROPPED = "dropped", "not sent"


class WebhookDelivery(models.Model):
    """One event for one endpoint. Its id and body stay the same across retries, so the
    receiver can tell a retry from a new event; only the signature's time changes."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=40)
    case_number = models.CharField(max_length=20, blank=True)  # empty for a ping
    body = models.TextField()  # the exact JSON sent: content-free by construction
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)  # why it was not sent or gave up
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("endpoint", "-created_at"), name="webhook_recent"),)

    def __str__(self) -> str:
        return self.delivery_id


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("number",)
        constraints = (
            models.UniqueConstraint(fields=("delivery", "number"), name="one_row_per_attempt"),
        )

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
