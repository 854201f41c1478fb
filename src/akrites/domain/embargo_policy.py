"""Embargo policy: the caps per audience, the timeline they are measured from, reminders,
and time-zone handling. Split from :mod:`akrites.domain.embargo`, which re-exports all of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from akrites.domain.errors import InvalidInput

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class EmbargoPolicy:
    """The caps per audience (from settings) and when to remind the parties."""

    overall: timedelta = 90 * DAY  # from the first report
    after_distributions: timedelta = 14 * DAY  # from when distributions were read in
    when_exploited: timedelta = 7 * DAY  # from when exploitation in the wild became known
    reminders: tuple[timedelta, ...] = (7 * DAY, 2 * DAY, 1 * DAY)  # before the end

    def __post_init__(self) -> None:
        for name in ("overall", "after_distributions", "when_exploited"):
            if getattr(self, name) <= timedelta(0):
                raise InvalidInput(f"the embargo cap '{name}' must be positive", field=name)
        if any(r <= timedelta(0) for r in self.reminders):
            raise InvalidInput(
                "reminders are given as positive times before the end", field="reminders"
            )


DEFAULT_POLICY = EmbargoPolicy()


class CapRule(StrEnum):
    EXPLOITED = "exploited"
    DISTRIBUTIONS = "distributions"
    OVERALL = "overall"


@dataclass(frozen=True, slots=True)
class Timeline:
    """The facts the caps are measured from."""

    started_at: datetime  # the first report of the flaw
    distributions_read_in_at: datetime | None = None
    exploited_since: datetime | None = None  # when exploitation in the wild became known


@dataclass(frozen=True, slots=True)
class Cap:
    at: datetime
    rule: CapRule
    explanation: str


def as_utc(value: datetime, *, name: str) -> datetime:
    """The same instant in UTC; a naive time is refused (whose midnight would it be?)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{name} must carry a time zone (it is stored in UTC)", field=name)
    return value.astimezone(UTC)


def in_time_zone(moment: datetime, zone: str) -> datetime:
    """A stored UTC instant as a user in ``zone`` (an IANA name) should see it."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone '{zone}': use an IANA name such as Europe/Athens",
            field="time_zone",
        ) from None
    return as_utc(moment, name="moment").astimezone(tz)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _span(delta: timedelta) -> str:
    if delta % DAY:
        return str(delta)
    return "1 day" if delta == DAY else f"{delta.days} days"


def binding_cap(policy: EmbargoPolicy, timeline: Timeline) -> Cap:
    """The earliest cap that applies, and which rule set it (ties name the stricter rule)."""
    started = as_utc(timeline.started_at, name="started_at")
    caps = [
        Cap(
            started + policy.overall,
            CapRule.OVERALL,
            f"{_span(policy.overall)} after the first report",
        )
    ]
    if timeline.distributions_read_in_at is not None:
        read_in = as_utc(timeline.distributions_read_in_at, name="distributions_read_in_at")
        caps.append(
            Cap(
                read_in + policy.after_distributions,
                CapRule.DISTRIBUTIONS,
                f"{_span(policy.after_distributions)} after distributions were read in",
            )
        )
    if timeline.exploited_since is not None:
        exploited = as_utc(timeline.exploited_since, name="exploited_since")
        caps.append(
            Cap(
                exploited + policy.when_exploited,
                CapRule.EXPLOITED,
                f"{_span(policy.when_exploited)} after exploitation became known",
            )
        )
    order = list(CapRule)
    return min(caps, key=lambda c: (c.at, order.index(c.rule)))


def cap_for(
    policy: EmbargoPolicy,
    *,
    started_at: datetime,
    distributions_read_in_at: datetime | None = None,
    exploited_since: datetime | None = None,
) -> datetime:
    """The latest end date the policy allows (UTC)."""
    timeline = Timeline(started_at, distributions_read_in_at, exploited_since)
    return binding_cap(policy, timeline).at


def reminder_schedule(
    end_at: datetime, *, before: Sequence[timedelta] = DEFAULT_POLICY.reminders
) -> list[datetime]:
    """Every reminder instant for an end date, earliest first."""
    end = as_utc(end_at, name="end_at")
    return sorted({end - b for b in before if b > timedelta(0)})


def reminders(
    end_at: datetime,
    now: datetime,
    already_sent: Iterable[datetime] = (),
    *,
    before: Sequence[timedelta] = DEFAULT_POLICY.reminders,
) -> list[datetime]:
    """The reminder instants that are due and not yet sent, earliest first. Send one
    notification (naming the time left), then record every returned instant as sent, so a
    scheduler that was down does not send three at once."""
    end = as_utc(end_at, name="end_at")
    now = as_utc(now, name="now")
    if now >= end:
        return []
    sent = {as_utc(s, name="already_sent") for s in already_sent}
    return [t for t in reminder_schedule(end, before=before) if t <= now and t not in sent]
