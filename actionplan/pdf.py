"""Board papers as PDF, laid out by WeasyPrint from the paper's own print page.

The print page is not the web page: it has only the paper (no header, navigation or forms) and a
small stylesheet of its own (static/papers-print.css), which is what makes it quick to lay out
and keeps every body cell one size. Headers and footers (board, meeting, "Page N of M", draft or
published) are the page's margin boxes; table headers repeat on every page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

PRINT_CSS = "papers-print.css"


class PdfUnavailable(Exception):
    """WeasyPrint needs Pango, which a bare machine may lack; the HTML page works without it."""


def paper_pdf(data: dict[str, Any], status: str) -> bytes:
    """The paper `data` (actionplan.papers) as PDF bytes, marked with `status` (draft/published)."""
    try:
        from weasyprint import CSS, HTML
    except OSError as error:
        raise PdfUnavailable(str(error)) from error
    html = render_to_string("actionplan/papers/print.html", {"paper": data, "status": status})
    stylesheet = CSS(filename=finders.find(PRINT_CSS))
    document = HTML(string=html, base_url="file:///nonexistent/", url_fetcher=_nothing_fetcher())
    return bytes(document.write_pdf(stylesheets=[stylesheet]))


def _nothing_fetcher() -> Any:
    """A WeasyPrint fetcher that fetches nothing: the paper is text, tables and inline SVG, so
    making a PDF never reads a file or goes over the network."""
    from weasyprint import URLFetcher

    class FetchNothing(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"Not fetched when making a PDF: {url}")

    return FetchNothing()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def unavailable_response() -> HttpResponse:
    return HttpResponse(
        "PDF output needs the Pango library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0). "
        "Use the Word download, or your browser's Print on the paper's page, instead.",
        status=503,
        content_type="text/plain",
    )
