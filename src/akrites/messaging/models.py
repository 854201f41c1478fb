"""Case messages: threads, sealed messages and attachments, read markers, the blind index.

Bodies, file names and file contents are sealed with the case's data key; the search
index holds only keyed hashes of words. Nothing here is readable without the master key.
"""

from __future__ import annotations

from django.db import models

from akrites.cases.models import Case
from akrites.domain.tlp import Tlp

TLP_CHOICES = [(t.value, t.value) for t in Tlp]


class ThreadKind(models.TextChoices):
    CASE = "case", "case-wide"
    PRIVATE = "private", "private"


class Thread(models.Model):
    """The case-wide thread (one per case), or a private thread between the coordinators
    and one participant (one per person and case)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=8, choices=ThreadKind.choices)
    private_with = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(
                fields=("case",), condition=models.Q(kind="case"), name="one_case_wide_thread"
            ),
            models.UniqueConstraint(
                fields=("case", "private_with"),
                condition=models.Q(kind="private"),
                name="one_private_thread_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="case", private_with__isnull=True)
                | models.Q(kind="private", private_with__isnull=False),
                name="private_thread_names_its_person",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} thread {self.pk} of {self.case_id}"


class Message(models.Model):
    """One message. ``tlp_own``/``tlp_lowered`` are a :class:`akrites.domain.tlp.ContentLabel`:
    the effective label follows the case's label unless a coordinator lowered it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    author_org = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    tlp_own = models.CharField(max_length=16, choices=TLP_CHOICES, null=True, blank=True)
    tlp_lowered = models.BooleanField(default=False)
    body_sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        indexes = (models.Index(fields=("thread", "id"), name="message_thread_order"),)

    def __str__(self) -> str:
        return f"message {self.pk} in thread {self.thread_id}"


class MessageRecipient(models.Model):
    """A person the author named: for TLP:RED, the whole audience besides the coordinators."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("message", "user"), name="recipient_named_once"),
        )
        indexes = (models.Index(fields=("user", "message"), name="recipient_by_user"),)

    def __str__(self) -> str:
        return f"{self.user_id} named on {self.message_id}"


class MessageAttachment(models.Model):
    """A file posted with a message; it carries its message's label and audience. No plain
    digest is stored: a known file could be confirmed from it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename_sealed = models.BinaryField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    data_sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"attachment {self.pk} of message {self.message_id}"


class ReadMarker(models.Model):
    """How far one person has read one thread. Each person has their own marker, so
    unread counts stay right however many people take part."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_markers")
    last_read_message_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "thread"), name="one_marker_per_reader"),
        )

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_message_id}"


class SearchToken(models.Model):
    """Blind index: a keyed hash (HMAC under a master-derived key) of one normalised word
    of a message, scoped to its case. Never the word itself."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="search_tokens")
    token_hash = models.CharField(max_length=64)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("message", "token_hash"), name="token_once"),
        )
        indexes = (models.Index(fields=("token_hash", "message"), name="search_by_token"),)

    def __str__(self) -> str:
        return f"token of {self.message_id}"
