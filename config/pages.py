"""The help pages linked from every page's footer: help, accessibility statement, privacy notice and
cookies. They are for anyone, signed in or not (someone who cannot sign in needs them most)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET


def _page(template):
    @login_not_required
    @require_GET
    def view(request):
        return render(
            request,
            template,
            {
                "support_email": settings.SUPPORT_EMAIL,
                "session_weeks": settings.SESSION_COOKIE_AGE // (7 * 24 * 60 * 60),
                "correction_minutes": settings.PROGRESS_CORRECTION_MINUTES,
            },
        )

    return view


app_name = "help"
urlpatterns = [
    path("", _page("help/help.html"), name="help"),
    path("accessibility/", _page("help/accessibility.html"), name="accessibility"),
    path("privacy/", _page("help/privacy.html"), name="privacy"),
    path("cookies/", _page("help/cookies.html"), name="cookies"),
]
