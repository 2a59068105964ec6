"""The review queue (admin, finance): entries the server refused, and offline spends that
took effect but broke a limit. Each shows the device, the rule in words, the amount and the
effect; a decision (with a reason, always) is a new entry in the server's own chain, made by
``kiosk.server.admin.resolve_review``:

* honoured (an offline spend over a limit): *approved* (the shop keeps the money and it can
  be settled) or *reversed* (the amount goes back from the till to the wallet);
* refused (took no effect): *confirmed* (the refusal stands) or *applied* (the entry takes
  effect after all, under the same rules).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select

from kiosk.core.entries import Entry
from kiosk.core.errors import HeitjeError
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.backoffice import work
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.audit import audit_change
from kiosk.server.backoffice.i18n import OfficeError, language_of
from kiosk.server.backoffice.listing import ListQueryDep, paginate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.pages import error_page
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Resolve = Annotated[SignedIn, require(P.REVIEW_RESOLVE)]
LIST = f"{PREFIX}/review"
SHOWS = ("open", "decided")
Q = t.review_queue.c
D = t.devices.c
L = t.ledger.c


def _reasons(item: Any) -> list[str]:
    """The rules an item broke: an honoured spend may break several (kept in `detail`)."""
    if item["effect"] == "honoured":
        return [r for r in str(item["detail"]).split(",") if r] or [item["reason"]]
    return [item["reason"]]


def _item_stmt() -> Any:
    return select(
        Q.id,
        Q.tx_id,
        Q.device_id,
        Q.seq,
        Q.reason,
        Q.detail,
        Q.amount,
        Q.merchant_id,
        Q.resident_id,
        Q.status,
        Q.created_at,
        Q.kind,
        Q.effect,
        D.name.label("device_name"),
        D.role.label("device_role"),
    ).outerjoin(t.devices, D.id == Q.device_id)


@router.get("/review")
def review_list(request: Request, office: OfficeDep, me: Resolve, query: ListQueryDep) -> Response:
    show = request.query_params.get("show", "open")
    show = show if show in SHOWS else "open"
    stmt = _item_stmt().where(Q.status == "open" if show == "open" else Q.status != "open")
    with work.reading(office.server) as conn:
        page = paginate(
            conn,
            stmt,
            query,
            search=[Q.reason, Q.kind, Q.detail, D.name, Q.resident_id, Q.merchant_id, Q.tx_id],
            order_by=[Q.id] if show == "open" else [Q.id.desc()],
            path=LIST,
            params=[("show", show)],
        )
    rows = [
        {
            **r,
            "reasons": _reasons(r),
            "effect_key": f"review.effect.{r['effect']}",
            "status_key": f"review.status.{r['status']}",
        }
        for r in page.rows
    ]
    return work.page(
        office, request, "review/list.html", {"page": page, "rows": rows, "show": show}
    )


def _detail(
    request: Request,
    office: OfficeDep,
    item_id: int,
    *,
    values: dict[str, str] | None = None,
    problems: work.Problems | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with work.reading(office.server) as conn:
        item = conn.execute(_item_stmt().where(Q.id == item_id)).mappings().first()
        entry = None
        if item is not None:
            entry = (
                conn.execute(
                    select(
                        L.kind, L.debit, L.credit, L.amount, L.refs, L.wall_time, L.received_at
                    ).where(L.device_id == item["device_id"], L.seq == item["seq"])
                )
                .mappings()
                .first()
            )
    if item is None:
        return error_page(request, 404, "refused.not_found")
    refs = json.loads(entry["refs"]) if entry else {}
    decisions = admin.DECISIONS.get(item["effect"], ())
    return work.page(
        office,
        request,
        "review/detail.html",
        {
            "item": item,
            "entry": entry,
            "refs": sorted(refs.items()),
            "reasons": _reasons(item),
            "effect_key": f"review.effect.{item['effect']}",
            "status_key": f"review.status.{item['status']}",
            "decisions": [
                (d, f"review.decision.{d}", f"review.decision.{d}.about") for d in decisions
            ],
            "values": values or {"decision": "", "reason": ""},
            "problems": problems,
            "error": error,
        },
        status=status,
    )


@router.get("/review/{item_id}")
def review_item(request: Request, office: OfficeDep, me: Resolve, item_id: int) -> Response:
    return _detail(request, office, item_id)


@router.post("/review/{item_id}")
def review_resolve(
    request: Request,
    office: OfficeDep,
    me: Resolve,
    item_id: int,
    decision: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = language_of(request)
    values = {"decision": decision, "reason": reason}
    with work.reading(office.server) as conn:
        item = conn.execute(select(Q.status, Q.effect).where(Q.id == item_id)).first()
    if item is None:
        return error_page(request, 404, "refused.not_found")
    if item.status != "open":
        message = OfficeError("review_decided").message(lang)
        return _detail(request, office, item_id, error=message, status=409)
    problems = work.Problems(lang)
    if decision not in admin.DECISIONS.get(item.effect, ()):
        problems.add("decision", "review.decision", OfficeError("choose_decision"))
    why = problems.check("reason", "review.reason", lambda: work.reason_text(reason))
    if problems or why is None:
        return _detail(request, office, item_id, values=values, problems=problems, status=400)
    server = work.server_of(office)

    def audited(conn: Connection, entry: Entry) -> None:
        # In resolve_review's own transaction: the decision, its entry, the server's audit row
        # and this one (the account, before and after) commit together.
        audit_change(
            conn,
            me,
            "review.resolve",
            {"status": "open", "effect": item.effect},
            {"status": decision, "reason": why, "entry": entry.tx_id, "kind": entry.kind.value},
            subject=f"review:{item_id}",
        )

    try:
        admin.resolve_review(server, item_id, decision, f"user:{me.user_id}", why, also=audited)
    except ValueError:  # decided by somebody else a moment ago
        message = OfficeError("review_decided").message(lang)
        return _detail(request, office, item_id, error=message, status=409)
    except HeitjeError as exc:  # applying it after all breaks a rule (a cap, a bound, ...)
        message = work.refusal_message(exc, lang)
        return _detail(request, office, item_id, values=values, error=message, status=409)
    return RedirectResponse(f"{LIST}?done=done.review_resolved", status_code=303)
