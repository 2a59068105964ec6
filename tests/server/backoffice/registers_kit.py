"""Helpers of the register tests: an admin who fills in the forms as a person does, reading
back what the pages and the database say."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pypdfium2 as pdfium
import zxingcpp
from sqlalchemy import select

from kiosk.server import tables as t
from tests.server.backoffice.kit import Office, csrf_of

SVG_MODULE = re.compile(r"M(\d+),(\d+)H")
VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


@dataclass
class Admin:
    """A signed-in admin's browser: GET pages, POST forms with the session's CSRF token."""

    office: Office
    c: httpx.Client
    token: str

    @classmethod
    def signed_in(cls, office: Office, role: str = "admin") -> Admin:
        c = office.as_role(role)
        return cls(office, c, csrf_of(c.get("/office").text))

    def get(self, path: str) -> httpx.Response:
        return self.c.get(path)

    def post(self, path: str, **form: Any) -> httpx.Response:
        return self.c.post(path, data={**form, "csrf_token": self.token})

    def ok(self, path: str, **form: Any) -> tuple[str, dict[str, list[str]]]:
        """Post a form that must succeed: the 303's path and its query."""
        r = self.post(path, **form)
        assert r.status_code == 303, (r.status_code, r.text[:2000])
        parts = urlsplit(r.headers["location"])
        return parts.path, parse_qs(parts.query)

    def refused(self, path: str, expect: int = 400, **form: Any) -> str:
        """Post a form that must be refused with a message on the page; the page."""
        r = self.post(path, **form)
        assert r.status_code == expect, (r.status_code, r.text[:2000])
        assert r.headers["content-type"].startswith("text/html")
        return r.text


def audit_rows(office: Office, event: str) -> list[dict[str, Any]]:
    with office.live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log).where(t.audit_log.c.event == event).order_by(t.audit_log.c.id)
        ).mappings()
        out = []
        for r in rows:
            row = dict(r)
            for key in ("before_json", "after_json", "detail"):
                row[key] = json.loads(row[key]) if row[key] else None
            out.append(row)
        return out


def row_of(office: Office, table: Any, **where: Any) -> dict[str, Any]:
    with office.live.server.engine.connect() as conn:
        stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
        return dict(conn.execute(stmt).mappings().one())


def pdf_text_and_codes(data: bytes, dpi: int = 200) -> tuple[str, list[str]]:
    """The text of a PDF (white space as single spaces) and every QR code zxing-cpp reads on
    its rendered pages."""
    doc = pdfium.PdfDocument(data)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in doc)
        codes = []
        for page in doc:
            image = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil())
            codes += [b.text for b in zxingcpp.read_barcodes(image)]
    finally:
        doc.close()
    return " ".join(text.split()), codes


def svg_qr_text(svg: str) -> str:
    """Read back a QR drawn as an SVG path of unit squares (qrcode's SvgPathImage)."""
    size = VIEWBOX.search(svg)
    assert size, "no viewBox"
    n = int(size.group(1))
    grid = np.full((n, n), 255, dtype=np.uint8)
    for x, y in SVG_MODULE.findall(svg):
        grid[int(y), int(x)] = 0
    image = np.kron(grid, np.ones((8, 8), dtype=np.uint8))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "the QR does not read"
    return str(found[0].text)
