"""Print pages as PDF in Debian's chromium (Playwright), served by the Flask test client.

The browser asks for ``http://greentour.test/...``; every request is answered by the logged-in
Flask test client through Playwright's request routing, so no server process is needed and the
session cookie stays in the client. ``page.pdf(prefer_css_page_size=True)`` prints with the
page's own ``@page`` rules (A4 portrait day sheet, A4 landscape week plan), as the browser's
print dialog does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, Route
from pypdf import PdfReader

ORIGIN = "http://greentour.test"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
MM_PER_PT = 25.4 / 72


def serve_from(page: Page, client: Any) -> None:
    """Answer the page's requests to :data:`ORIGIN` from the Flask test ``client``."""

    def handle(route: Route) -> None:
        request = route.request
        url = request.url.removeprefix(ORIGIN)
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("authorization", "if-none-match", "content-type",
                                    "accept", "x-csrftoken", "accept-language")}
        response = client.open(url, method=request.method, headers=headers,
                               data=request.post_data_buffer)
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "content-encoding")}
        route.fulfill(status=response.status_code, headers=headers, body=response.get_data())

    page.route(f"{ORIGIN}/**", handle)


#: PDF points per CSS px when chromium prints at 100 % (72 pt / 96 px); a smaller factor means
#: chromium shrank the page to fit content wider than the paper
PT_PER_PX = 0.75


@dataclass
class Printed:
    """A rendered PDF: per page its width (mm), the right-most text (mm, origin plus an estimate
    of the run's width) and the scale chromium drew the page at (PDF pt per CSS px)."""

    pdf: bytes
    page_widths_mm: list[float]
    text_right_mm: list[float]
    scales: list[float]

    @property
    def pages(self) -> int:
        return len(self.page_widths_mm)

    @property
    def shrunk(self) -> bool:
        """True when some page was shrunk to fit (content wider than the printable width)."""
        return any(abs(k - PT_PER_PX) > 0.01 for k in self.scales)


def measure_pdf(pdf: bytes) -> Printed:
    """Page count, page widths, right-most text and drawing scale of each page."""
    reader = PdfReader(io.BytesIO(pdf))
    widths, rights, scales = [], [], []
    for pg in reader.pages:
        widths.append(float(pg.mediabox.width) * MM_PER_PT)
        xs: list[float] = []
        ks: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float,
                  xs: list[float] = xs, ks: list[float] = ks) -> None:
            if text.strip():
                k = abs(cm[0])
                ks.append(k)
                # run origin in page space plus ~0.6 em per character (DejaVu Sans average)
                xs.append(cm[4] + k * (tm[4] + 0.6 * size * len(text.rstrip())))

        pg.extract_text(visitor_text=visit)
        rights.append(max(xs) * MM_PER_PT if xs else 0.0)
        scales.append(min(ks) if ks else PT_PER_PX)
    return Printed(pdf, widths, rights, scales)


def print_page(page: Page, url: str) -> Printed:
    """Open ``url`` (a path under :data:`ORIGIN`) and print it to PDF."""
    page.goto(f"{ORIGIN}{url}")
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    return measure_pdf(pdf)


def table_overflow_px(page: Page, selector: str, printable_mm: float) -> float:
    """How far (CSS px) the table ``selector`` is wider than the printable width ``printable_mm``
    (<= 0 when it fits): its box or, when cells push out, its scroll width."""
    return page.evaluate(
        """([sel, mm]) => {
            const t = document.querySelector(sel);
            return Math.max(t.getBoundingClientRect().width, t.scrollWidth) - mm * 96 / 25.4;
        }""",
        [selector, printable_mm],
    )
