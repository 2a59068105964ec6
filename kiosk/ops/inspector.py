"""The inspector: the claims marked done in the inspector's neighbourhoods, approved (with
the earn this device records, exactly the chore's reward) or rejected with a reason.

The screen is locked until an inspector's staff card and its holder's PIN open it
(`sign_in`); `lock()` closes it again. The session lives here, not in the screen, so no op
decides anything, or shows a resident's name, while the screen is locked. Each public method
returns an OpHandle at once (kiosk/ops/runner.py); the `*_now` twins do the same work on the
calling thread.
"""

from __future__ import annotations

from kiosk.core.days import day_bounds
from kiosk.core.entries import Kind
from kiosk.db import inspector_queries as iq
from kiosk.db import sync_queries as q
from kiosk.db.ops_queries import read_only
from kiosk.ops import errors as err
from kiosk.ops import words as w
from kiosk.ops.context import OpsContext
from kiosk.ops.inspector_results import (
    REASON_MAX,
    REJECT_REASONS,
    Approved,
    ClaimToInspect,
    Decided,
    InspectorSession,
    RefusedDecision,
    Rejected,
    RejectReason,
    Status,
)
from kiosk.ops.runner import OpHandle
from kiosk.ops.staff import StaffOps
from kiosk.sync.refusals import Words, refusal_words

ROLES = frozenset({"inspector"})
# What the server may refuse of what this device signs.
DECISION_KINDS = frozenset({Kind.APPROVAL, Kind.REJECTION, Kind.EARN})


def _title(c: iq.InspectClaim) -> Words:
    return w.title_words(c.chore_title, c.chore_title_en)


def _moment(ms: int | None) -> Words | None:
    return None if ms is None else w.moment_words(ms)


def _to_inspect(c: iq.InspectClaim) -> ClaimToInspect:
    return ClaimToInspect(
        claim_id=c.id,
        chore_id=c.chore_id,
        title=_title(c),
        reward=c.reward,
        resident_id=c.resident_id,
        resident_name=c.resident_name,
        checked_in_at=c.checked_in_at,
        done_at=c.done_at,
        checked_in=_moment(c.checked_in_at),
        done=_moment(c.done_at),
    )


class InspectorOps:
    def __init__(self, ctx: OpsContext) -> None:
        self.ctx = ctx
        self._staff = StaffOps(ctx)
        self._session: InspectorSession | None = None

    reasons: tuple[RejectReason, ...] = REJECT_REASONS

    # -- the lock ------------------------------------------------------------------------------

    @property
    def session(self) -> InspectorSession | None:
        return self._session

    def identify(self, card_serial: str) -> OpHandle[InspectorSession]:
        """Whose staff card this is, if an inspector's (the PIN is asked next)."""
        return self.ctx.runner.read(lambda: self.identify_now(card_serial), name="inspector_card")

    def identify_now(self, card_serial: str) -> InspectorSession:
        member = self._staff.identify_now(card_serial, ROLES)
        return InspectorSession(member.card_serial, member.staff_id, member.name)

    def sign_in(self, card_serial: str, pin: str) -> OpHandle[InspectorSession]:
        """The staff card and its holder's PIN open the screen (a wrong PIN is counted)."""
        return self.ctx.runner.write(
            lambda: self.sign_in_now(card_serial, pin), name="inspector_sign_in"
        )

    def sign_in_now(self, card_serial: str, pin: str) -> InspectorSession:
        self._session = None
        member = self._staff.check_now(card_serial, pin, ROLES)
        session = InspectorSession(member.card_serial, member.staff_id, member.name)
        self._session = session
        return session

    def lock(self) -> None:
        """Close the screen (the Lock button, idle): instant, on the calling thread; an op
        already queued finds the lock closed."""
        self._session = None

    def _signed_in(self) -> InspectorSession:
        session = self._session
        if session is None:
            raise err.inspector_locked()
        return session

    # -- what waits ----------------------------------------------------------------------------

    def claims(self) -> OpHandle[tuple[ClaimToInspect, ...]]:
        """The claims marked done in this device's neighbourhoods, the longest waiting first."""
        return self.ctx.runner.read(self.claims_now, name="inspector_claims")

    def claims_now(self) -> tuple[ClaimToInspect, ...]:
        self._signed_in()
        with read_only(self.ctx.engine) as conn:
            rows = iq.done_claims(conn, self.ctx.neighbourhoods)
        return tuple(_to_inspect(c) for c in rows)

    # -- deciding ------------------------------------------------------------------------------

    def approve(self, claim_id: str) -> OpHandle[Approved]:
        """The approval and its earn (exactly the chore's reward), in one transaction."""
        return self.ctx.runner.write(lambda: self.approve_now(claim_id), name="approve")

    def approve_now(self, claim_id: str) -> Approved:
        ctx = self.ctx
        session = self._signed_in()
        c = self._decidable(claim_id)
        approval, earn = ctx.store.approve_and_earn(claim_id, session.card_serial)
        ctx.appended(approval, c.resident_id)
        ctx.appended(earn, c.resident_id)
        return Approved(
            claim_id=claim_id,
            approval_tx=approval.tx_id,
            earn_tx=earn.tx_id,
            reward=earn.amount,
            words=w.approved_words(_title(c), c.resident_name, earn.amount),
        )

    def reject(self, claim_id: str, reason: str | RejectReason) -> OpHandle[Rejected]:
        """Reject with a reason from `reasons` or typed (not empty, at most REASON_MAX)."""
        return self.ctx.runner.write(lambda: self.reject_now(claim_id, reason), name="reject")

    def reject_now(self, claim_id: str, reason: str | RejectReason) -> Rejected:
        ctx = self.ctx
        session = self._signed_in()
        text = reason.text if isinstance(reason, RejectReason) else _typed_reason(reason)
        c = self._decidable(claim_id)
        entry = ctx.store.reject(claim_id, session.card_serial, text)
        ctx.appended(entry, c.resident_id)
        return Rejected(
            claim_id, entry.tx_id, text, w.rejected_words(_title(c), c.resident_name, text)
        )

    def _decidable(self, claim_id: str) -> iq.InspectClaim:
        with read_only(self.ctx.engine) as conn:
            c = iq.claim(conn, claim_id) if isinstance(claim_id, str) else None
        if c is None:
            raise err.unknown_claim()
        hoods = self.ctx.neighbourhoods
        if hoods and c.neighbourhood_id not in hoods:
            raise err.claim_elsewhere()
        if c.status != "done":
            raise err.claim_not_done()
        return c

    # -- what was decided ----------------------------------------------------------------------

    def decided_today(self) -> OpHandle[tuple[Decided, ...]]:
        """Today's approvals and rejections of this device, newest first, each with where it
        stands (waiting to be sent, sent, refused by the server)."""
        return self.ctx.runner.read(self.decided_today_now, name="inspector_decided")

    def decided_today_now(self) -> tuple[Decided, ...]:
        ctx = self.ctx
        self._signed_in()
        _day, start, end = day_bounds(ctx.now())
        with read_only(ctx.engine) as conn:
            rows = iq.decisions_between(conn, ctx.device_id, start, end)
            known = iq.claims(conn, (r.claim_id for r in rows))
        out = []
        for r in reversed(rows):
            c = known.get(r.claim_id)
            title = _title(c) if c else Words("?", "?")
            name = c.resident_name if c else "?"
            if r.kind is Kind.APPROVAL:
                words = w.approved_words(title, name, c.reward if c else 0)
            else:
                words = w.rejected_words(title, name, r.reason or "")
            status: Status = "waiting"
            if r.refused_code is not None:
                status = "refused"
            elif r.synced:
                status = "sent"
            out.append(
                Decided(
                    r.tx_id,
                    r.kind,
                    r.claim_id,
                    r.wall_time,
                    w.time_text(r.wall_time),
                    status,
                    words,
                )
            )
        return tuple(out)

    def refused(self) -> OpHandle[tuple[RefusedDecision, ...]]:
        """The approvals, rejections and earns of this device the server refused (from its
        acks, as the counter's day list shows a refused payment), newest first."""
        return self.ctx.runner.read(self.refused_now, name="inspector_refused")

    def refused_now(self) -> tuple[RefusedDecision, ...]:
        ctx = self.ctx
        self._signed_in()
        with read_only(ctx.engine) as conn:
            rows = [r for r in q.refused_entries(conn) if r.kind in DECISION_KINDS]
            named = iq.entry_claims(conn, ctx.device_id, (r.seq for r in rows))
            known = iq.claims(conn, named.values())
        out = []
        for r in reversed(rows):
            claim_id = named.get(r.seq)
            c = known.get(claim_id) if claim_id else None
            about = (
                Words(
                    f"{_title(c).nl}{w.DASH}{c.resident_name}",
                    f"{_title(c).en}{w.DASH}{c.resident_name}",
                )
                if c
                else None
            )
            out.append(
                RefusedDecision(
                    tx_id=r.tx_id,
                    kind=r.kind,
                    claim_id=claim_id,
                    at_ms=r.at,
                    when=w.moment_words(r.at),
                    words=refusal_words(r.kind, r.amount, r.code),
                    about=about,
                )
            )
        return tuple(out)


def _typed_reason(reason: object) -> str:
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise err.reason_missing()
    if len(text) > REASON_MAX:
        raise err.reason_too_long(REASON_MAX)
    return text
