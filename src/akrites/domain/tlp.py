"""THE Traffic Light Protocol (FIRST TLP 2.0) vocabulary: labels, their order, how content
inherits a case's label, and whether a labelled item may be shown to one more person.

TLP labels say how far a *recipient* may pass information on; the source chooses the label
and its first recipients. On Akrites the source's act is reading organisations in to a case
and naming individual recipients, decided by the coordinator through ``policy``; every
showing of a message, attachment or case to someone is a *share*, and :func:`may_share`
decides it from the label alone. A named recipient, chosen by the source, may always be
shown the item, whatever its label; beyond them, the FIRST definitions, as Akrites applies
them (so a stricter label never allows a share that a looser one refuses):

- ``TLP:CLEAR``: no limit on disclosure. Anyone, signed in or not.
- ``TLP:GREEN``: the community, never a public channel. Akrites' community is its signed-in
  users; nothing GREEN is shown to someone who is not signed in.
- ``TLP:AMBER``: need-to-know within the recipient's organisation "and its clients".
  Akrites knows no clients, so on the platform the audience is the sharer's own
  organisation and the organisations read in to the case. Passing it to a client off the
  platform is the recipient's responsibility under FIRST's terms, not something Akrites sends.
- ``TLP:AMBER+STRICT``: need-to-know within the recipient's own organisation only: a holder
  may show it to colleagues in their own organisation, never to another organisation, even
  one read in to the same case (only the coordinator, as source, names people elsewhere).
- ``TLP:RED``: the individual recipients only. On Akrites: the users the source named.

New cases are ``TLP:AMBER+STRICT`` (confidential by default). Content in a case (messages,
attachments) is never less strict than its case unless a coordinator deliberately lowers it
(e.g. the draft public advisory in a RED case is CLEAR); raising a case's label later raises
all of its content that was not deliberately lowered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from akrites.domain.errors import Forbidden, InvalidInput
from akrites.domain.policy import Decision, OrgId, UserId


class Tlp(StrEnum):
    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


# Least to most restrictive; the order is the protocol's, not alphabetical.
RESTRICTIVENESS: Mapping[Tlp, int] = {
    Tlp.CLEAR: 0,
    Tlp.GREEN: 1,
    Tlp.AMBER: 2,
    Tlp.AMBER_STRICT: 3,
    Tlp.RED: 4,
}

DEFAULT_CASE_LABEL = Tlp.AMBER_STRICT

# Who may see an item with this label, in words (for the UI and the generated docs).
AUDIENCE: Mapping[Tlp, str] = {
    Tlp.CLEAR: "anyone: no limit on disclosure",
    Tlp.GREEN: "any signed-in Akrites user (the community), never a public channel",
    Tlp.AMBER: "the sharer's organisation and the organisations read in to the case",
    Tlp.AMBER_STRICT: "members of the sharer's own organisation only",
    Tlp.RED: "nobody beyond the named recipients",
}

# FIRST TLP 2.0 colour coding: label text in this colour on a black background.
COLOURS: Mapping[Tlp, str] = {
    Tlp.CLEAR: "#FFFFFF",
    Tlp.GREEN: "#33FF00",
    Tlp.AMBER: "#FFC000",
    Tlp.AMBER_STRICT: "#FFC000",
    Tlp.RED: "#FF2B2B",
}
BACKGROUND = "#000000"

# TLP 1.0 called CLEAR "WHITE"; FIRST maps it to CLEAR, so older tooling keeps working.
_ALIASES: Mapping[str, Tlp] = {"WHITE": Tlp.CLEAR, "AMBER_STRICT": Tlp.AMBER_STRICT}


def restrictiveness(tlp: Tlp) -> int:
    """Higher is stricter: CLEAR 0 < GREEN < AMBER < AMBER+STRICT < RED 4."""
    return RESTRICTIVENESS[tlp]


def max_of(a: Tlp, b: Tlp) -> Tlp:
    """The stricter of two labels (combining content never loosens it)."""
    return a if restrictiveness(a) >= restrictiveness(b) else b


def label(tlp: Tlp) -> str:
    """The label as FIRST spells it wherever the content is shown: ``TLP:AMBER+STRICT``."""
    return f"TLP:{tlp.value}"


def parse(text: str) -> Tlp:
    """Read a label as people and tools write it: ``TLP:AMBER+STRICT``, ``amber+strict``,
    ``RED``; the TLP 1.0 ``WHITE`` is read as ``CLEAR``."""
    value = text.strip().upper()
    if value.startswith("TLP:"):
        value = value.removeprefix("TLP:").strip()
    if value in _ALIASES:
        return _ALIASES[value]
    try:
        return Tlp(value)
    except ValueError:
        known = ", ".join(label(t) for t in Tlp)
        raise InvalidInput(
            f"'{text}' is not a TLP label: use one of {known}", field="tlp"
        ) from None


@dataclass(frozen=True, slots=True)
class ContentLabel:
    """What a message or attachment stores: its own label (``None``: the case's) and
    whether a coordinator deliberately set it below the case's label."""

    own: Tlp | None = None
    lowered: bool = False

    def effective(self, case_label: Tlp) -> Tlp:
        """The label shown on, and enforced for, the content."""
        if self.own is None:
            return case_label
        return self.own if self.lowered else max_of(case_label, self.own)


def label_content(case_label: Tlp, requested: Tlp | None, *, may_lower: bool) -> ContentLabel:
    """The label new or edited content in a case gets.

    ``may_lower`` is the caller's answer, from ``policy``, to "may this actor coordinate
    the case?": only a coordinator may set content below the case's label.
    """
    if requested is None:
        return ContentLabel()
    if restrictiveness(requested) >= restrictiveness(case_label):
        return ContentLabel(own=requested)
    if not may_lower:
        raise Forbidden(
            f"content in a {label(case_label)} case cannot be {label(requested)}: only a "
            "coordinator may lower it; leave the label empty to use the case's",
            field="tlp",
        )
    return ContentLabel(own=requested, lowered=True)


def relabel_case(current: Tlp, new: Tlp, *, may_lower: bool) -> Tlp:
    """Change a case's label: anyone who may edit the case may make it stricter; only a
    coordinator (``may_lower``, from ``policy``) may loosen it."""
    if restrictiveness(new) < restrictiveness(current) and not may_lower:
        raise Forbidden(
            f"only a coordinator may lower a case from {label(current)} to {label(new)}",
            field="tlp",
        )
    return new


def may_share(
    tlp: Tlp,
    *,
    sharer_org: OrgId | None,
    recipient_user: UserId | None,
    recipient_org: OrgId | None,
    named_recipients: frozenset[UserId] = frozenset(),
    case_participant_orgs: frozenset[OrgId] = frozenset(),
) -> Decision:
    """May an item labelled ``tlp`` be shown to this recipient?

    ``recipient_user`` is ``None`` for the public (a feed, an export, anyone not signed
    in). ``named_recipients`` are the individuals the source addressed (for RED, the whole
    audience); ``case_participant_orgs`` the organisations read in to the case. This
    decides the label only: whether the sharer may see the item at all is
    ``policy.authorize``'s question, asked first.
    """
    shown = label(tlp)
    if tlp is Tlp.CLEAR:
        return Decision(allowed=True, reason=f"{shown}: no limit on disclosure")
    if recipient_user is None:
        return Decision(
            allowed=False, reason=f"{shown} is never shown publicly or to anyone not signed in"
        )
    if recipient_user in named_recipients:
        return Decision(allowed=True, reason=f"{shown}: the recipient is named by the source")
    match tlp:
        case Tlp.GREEN:
            return Decision(allowed=True, reason=f"{shown}: the recipient is a signed-in user")
        case Tlp.AMBER:
            if recipient_org is not None and (
                recipient_org == sharer_org or recipient_org in case_participant_orgs
            ):
                return Decision(
                    allowed=True, reason=f"{shown}: the recipient's organisation is in the case"
                )
            return Decision(
                allowed=False,
                reason=f"{shown} is shared only with organisations read in to the case; "
                "ask the coordinator to read this one in",
            )
        case Tlp.AMBER_STRICT:
            if recipient_org is not None and recipient_org == sharer_org:
                return Decision(allowed=True, reason=f"{shown}: within your own organisation")
            return Decision(
                allowed=False,
                reason=f"{shown} may be shared only within your own organisation; "
                "ask the coordinator to address this person",
            )
        case Tlp.RED:
            return Decision(
                allowed=False,
                reason=f"{shown} is for the named recipients only; "
                "ask the coordinator to name this person",
            )
        case Tlp.CLEAR:  # pragma: no cover - decided above
            return Decision(allowed=True, reason=f"{shown}: no limit on disclosure")
        case _:  # pragma: no cover - exhaustive
            assert_never(tlp)


def render_markdown() -> str:
    """The TLP reference, generated from the data above."""
    lines = [
        "# Traffic Light Protocol",
        "",
        "Generated from `akrites.domain.tlp` by `akrites docs`; do not edit by hand.",
        "",
        "Cases, messages and attachments carry a FIRST TLP 2.0 label, shown wherever the",
        "content is. New cases are " + f"`{label(DEFAULT_CASE_LABEL)}`. Content is never less",
        "strict than its case unless a coordinator lowers it deliberately. The individuals",
        "the source (the coordinator) names may always be shown an item; beyond them:",
        "",
        "| label | strictness | may be shared with |",
        "|---|---|---|",
    ]
    lines += [f"| `{label(t)}` | {restrictiveness(t)} | {AUDIENCE[t]} |" for t in Tlp]
    lines.append("")
    return "\n".join(lines)
