"""Components (keyed by normalised Package URL) and their security contacts."""

from __future__ import annotations

from django.db import models

from akrites.accounts.models import Organisation
from akrites.domain.registry import Confidence, ContactChannel, ContactRole


class Component(models.Model):
    purl = models.CharField(max_length=512, unique=True)
    ecosystem = models.CharField(max_length=40)
    namespace = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    repository_url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    critical = models.BooleanField(default=False)
    sectors = models.JSONField(default=list, blank=True)
    # Other package URLs of the same software: former names, forks the SIRT treats as one.
    aliases = models.JSONField(default=list, blank=True)
    maintainer_org = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="components"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("ecosystem", "namespace", "name")
        indexes = (models.Index(fields=("ecosystem", "name"), name="component_eco_name"),)

    def __str__(self) -> str:
        return self.purl


class SecurityContact(models.Model):
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(max_length=32, choices=[(c.value, c.value) for c in ContactChannel])
    address = models.CharField(max_length=500)
    role = models.CharField(max_length=32, choices=[(r.value, r.value) for r in ContactRole])
    confidence = models.CharField(max_length=16, choices=[(c.value, c.value) for c in Confidence])
    openpgp_key = models.TextField(blank=True)
    openpgp_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("component", "role", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("component", "channel", "address"), name="contact_once_per_component"
            ),
        )

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"
