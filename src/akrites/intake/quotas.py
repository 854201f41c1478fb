"""Per-organisation intake limits: a per-minute rate and a daily quota, counted in the
database so every web process shares them, and consumed in the submission's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from akrites.accounts.models import Organisation
from akrites.domain.errors import RateLimited
from akrites.intake.models import IntakeCounter


def _counter(org: Organisation, window: str) -> IntakeCounter:
    try:
        with transaction.atomic():
            counter, _ = IntakeCounter.objects.select_for_update().get_or_create(
                organisation=org, window=window
            )
    except IntegrityError:  # created concurrently: lock the row the other writer created
        counter = IntakeCounter.objects.select_for_update().get(organisation=org, window=window)
    return counter


def quota_consume(*, organisation: Organisation, count: int, now: datetime | None = None) -> None:
    """Count ``count`` reports against the organisation's limits, or raise ``RateLimited``
    (nothing counted) with the seconds until the window resets."""
    if count <= 0:
        return
    cfg = settings.AKRITES
    now = now or timezone.now()
    next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    next_day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    windows = (
        (f"m:{now:%Y-%m-%dT%H:%M}", cfg.intake_per_minute, next_minute, "per minute"),
        (f"d:{now:%Y-%m-%d}", cfg.intake_per_day, next_day, "per day (UTC)"),
    )
    counters = []
    for window, limit, resets, label in windows:
        counter = _counter(organisation, window)
        if counter.count + count > limit:
            left = max(0, limit - counter.count)
            retry = max(1, int((resets - now).total_seconds()) + 1)
            raise RateLimited(
                f"your organisation may submit {limit} reports {label}; {left} remain in this "
                f"window and this request has {count}: retry in {retry} s",
                retry_after=retry,
            )
        counters.append(counter)
    for counter in counters:
        IntakeCounter.objects.filter(pk=counter.pk).update(count=counter.count + count)
