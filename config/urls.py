from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from config.sign_in import sign_in


@login_not_required
@require_GET
def healthz(request):
    """For load balancers and docker-compose health checks: the process is up and serving."""
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "HWB action-plan assurance"
admin.site.site_title = "HWB assurance admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", sign_in, name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz/", healthz, name="healthz"),
    path("help/", include("config.pages")),
    path("partnerships/", include("partnerships.urls")),
    path("indicators/", include("indicators.urls")),
    path("", include("actionplan.urls")),
]
