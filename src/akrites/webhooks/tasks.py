"""The delivery worker. One job per attempt; each attempt is recorded (status code, error,
duration), and the job for the next attempt is queued BEFORE the request is made, in the
same transaction that claims the attempt, so a crash mid-request delays a delivery by one
back-off step but never loses it (after the last attempt, that job settles a delivery whose
attempt never finished). A delivery that has since succeeded, failed or been dropped makes
any leftover job a no-op. Delivery is at least once: a receiver may see a delivery id again."""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from akrites.cases.models import CaseOrganisation
from akrites.domain.case_events import PING
from akrites.domain.webhook_endpoints import (
    MAX_ATTEMPTS,
    delivered,
    gives_up_after,
    retry_delay,
    secret_key,
)
from akrites.domain.webhooks import sign
from akrites.webhooks.keys import open_secrets
from akrites.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from akrites.webhooks.selectors import signing_secrets
from akrites.webhooks.services import delivery_mark, loopback_allowed
from akrites.webhooks.transport import post

log = logging.getLogger(__name__)


def _reason_not_to_send(delivery: WebhookDelivery) -> str:
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return "the webhook was disabled"
    if delivery.event != PING and not (
        CaseOrganisation.objects.filter(
            case__number=delivery.case_number,
            organisation_id=endpoint.organisation_id,
            removed_at__isnull=True,
        ).exists()
    ):
        return "the organisation no longer takes part in the case"
    return ""


def _claim(delivery_pk: int) -> tuple[WebhookDelivery, list[str], int] | None:
    """Count the attempt and queue the next one, or settle the delivery; None: nothing to do."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        reason = _reason_not_to_send(delivery)
        secrets = [
            bytes(s) for s in signing_secrets(delivery.endpoint).values_list("sealed", flat=True)
        ]
        if not reason and not secrets:
            reason = "the webhook has no signing secret: rotate it to create one"
        if reason:
            delivery_mark(delivery, DeliveryStatus.DROPPED, reason)
            return None
        if gives_up_after(delivery.attempts):  # the last attempt never finished: a crash
            delivery_mark(
                delivery,
                DeliveryStatus.FAILED,
                f"gave up after {MAX_ATTEMPTS} attempts: the last one did not finish",
            )
            return None
        number = delivery.attempts + 1
        follow_up = timezone.now() + retry_delay(number)
        # The next attempt (after the last one: the check that it finished), queued now.
        deliver_webhook.using(run_after=follow_up).enqueue(delivery.pk)
        delivery.attempts = number
        delivery.next_attempt_at = None if gives_up_after(number) else follow_up
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        return delivery, open_secrets(delivery.endpoint_id, secrets), number


@task()
def deliver_webhook(delivery_pk: int) -> None:
    claimed = _claim(delivery_pk)
    if claimed is None:
        return
    delivery, secrets, number = claimed
    body = delivery.body.encode("utf-8")
    headers = sign(
        [secret_key(s) for s in secrets],
        body,
        timestamp=int(time.time()),
        delivery_id=delivery.delivery_id,
    )
    started = timezone.now()
    outcome = post(delivery.endpoint.url, body, headers, allow_loopback=loopback_allowed())
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None:
            return  # the webhook was deleted meanwhile, and its log with it
        WebhookAttempt.objects.create(
            delivery=current,
            number=number,
            started_at=started,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
        )
        if current.status != DeliveryStatus.PENDING:
            return  # settled meanwhile (an overlapping retry succeeded)
        if outcome.status_code is not None and delivered(outcome.status_code):
            delivery_mark(current, DeliveryStatus.DELIVERED)
        elif gives_up_after(number):
            what = outcome.error or f"HTTP {outcome.status_code}"
            delivery_mark(
                current, DeliveryStatus.FAILED, f"gave up after {MAX_ATTEMPTS} attempts: {what}"
            )
            log.warning(
                "webhook delivery %s to endpoint %s failed %d times; giving up",
                delivery.delivery_id,
                delivery.endpoint_id,
                number,
            )
