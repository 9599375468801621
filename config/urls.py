from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

from actionplan import public
from config.sign_in import sign_in


@login_not_required
@require_safe
def healthz(request):
    """For load balancers and docker-compose health checks (GET or HEAD): the process is up and serving."""
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "HWB action-plan assurance"
admin.site.site_title = "HWB assurance admin"

# Sign-in, sign-out and changing one's own password. There is deliberately no password reset by
# e-mail: admins set a new password in the Django admin (README, "Signing in").
accounts = [
    path("login/", sign_in, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    path("healthz/", healthz, name="healthz"),
    path("help/", include("config.pages")),
    # Published plans, for anyone (actionplan/public.py), what search engines may read, and the API.
    path("public/", include("actionplan.public")),
    path("sitemap.xml", public.sitemap_xml, name="sitemap"),
    path("robots.txt", public.robots_txt, name="robots_txt"),
    path("api/v1/", include("config.api_urls")),
    path("partnerships/", include("partnerships.urls")),
    path("indicators/", include("indicators.urls")),
    path("", include("actionplan.urls")),
]
