"""Board papers as PDF: the print view of a page, laid out by WeasyPrint."""

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static


def _static_fetcher():
    """A WeasyPrint fetcher that reads /static/… from the app's own files and fetches nothing else,
    so making a PDF never goes over the network."""
    from weasyprint import URLFetcher

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = url.split("://", 1)[-1]
            path = path[path.find("/") :].split("?")[0]
            prefix = static("")
            found = path.startswith(prefix) and finders.find(path[len(prefix) :])
            if not found:
                raise ValueError(f"Not fetched when making a PDF: {url}")
            return super().fetch("file://" + found)

    return StaticFetcher(allowed_protocols={"file"})


def render_pdf(request, template, context, filename):
    # Imported here: WeasyPrint needs Pango, which a bare machine may lack; the HTML page works without.
    try:
        from weasyprint import HTML
    except OSError:
        return HttpResponse(
            "PDF output needs the Pango library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0). "
            "Use your browser's Print on the report page instead.",
            status=503,
            content_type="text/plain",
        )
    html = render_to_string(template, context, request=request)
    document = HTML(string=html, base_url=request.build_absolute_uri("/"), url_fetcher=_static_fetcher())
    response = HttpResponse(document.write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
