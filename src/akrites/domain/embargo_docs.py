"""The embargo reference (docs/embargo.md), generated from the rules in
``akrites.domain.embargo`` and the default policy by ``akrites docs``."""

from __future__ import annotations

from akrites.domain.embargo import (
    BREAK_MEANING,
    CASE_FACT,
    MEANING,
    REQUIRED_ROLES,
    RULES,
    BreakReason,
    Edge,
    EmbargoStatus,
    PartyRole,
    _roles,
)
from akrites.domain.embargo_policy import DEFAULT_POLICY, EmbargoPolicy, _span


def _node(status: EmbargoStatus | None) -> str:
    return f"`{status.value}`" if status is not None else "(new)"


def _sorted(edges: frozenset[Edge]) -> list[Edge]:
    order = list(EmbargoStatus)

    def key(edge: Edge) -> tuple[int, int]:
        a, b = edge
        return (-1 if a is None else order.index(a), order.index(b))

    return sorted(edges, key=key)


def render_markdown(policy: EmbargoPolicy = DEFAULT_POLICY) -> str:
    """The embargo reference, generated from the rules and the default policy."""
    lines = [
        "# Embargoes",
        "",
        "Generated from `akrites.domain.embargo` by `akrites docs`; do not edit by hand.",
        "",
        "An embargo is agreed when every required party ("
        + ", ".join(f"`{r.value}`" for r in PartyRole if r in REQUIRED_ROLES)
        + ") has accepted",
        "the same end date. Other parties may counter-propose; their acceptance is recorded",
        "but not required. Times are stored in UTC and shown in each user's time zone.",
        "",
        "## States",
        "",
        "| state | meaning | case lifecycle sees |",
        "|---|---|---|",
    ]
    lines += [f"| `{s.value}` | {MEANING[s]} | `{CASE_FACT[s].value}` |" for s in EmbargoStatus]
    lines += [
        "",
        "## Moves",
        "",
        "| move | transitions | who | scheduler | what |",
        "|---|---|---|---|---|",
    ]
    for r in RULES:
        edges = ", ".join(f"{_node(a)} → {_node(b)}" for a, b in _sorted(r.edges))
        lines.append(
            f"| `{r.move.value}` | {edges} | {_roles(r) or '—'} | "
            f"{r.by_scheduler or '—'} | {r.description} |"
        )
    lines += [
        "",
        "## Policy caps",
        "",
        "The earliest applicable cap bounds every date. Caps are not negotiable: when one",
        "tightens, an agreed date beyond it is shortened without asking.",
        "",
        "| cap | default |",
        "|---|---|",
        f"| overall, from the first report | {_span(policy.overall)} |",
        f"| distributions read in, from the read-in | {_span(policy.after_distributions)} |",
        f"| when exploited, from when that became known | {_span(policy.when_exploited)} |",
        "",
        "Reminders go to the parties "
        + ", ".join(_span(b) for b in sorted(policy.reminders, reverse=True))
        + " before the end.",
        "",
        "## Breaking an embargo",
        "",
        "The coordinator or a maintainer may break an embargo, giving a reason. Everyone read",
        "in to the case is notified, and the case moves to accelerated disclosure.",
        "",
        "| reason | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{b.value}` | {BREAK_MEANING[b]} |" for b in BreakReason]
    lines += [
        "",
        "## Diagram",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    lines += [
        f"    {a.value if a else '[*]'} --> {b.value}: {r.move.value}"
        for r in RULES
        for a, b in _sorted(r.edges)
        if a is not b
    ]
    lines += ["```", ""]
    return "\n".join(lines)
