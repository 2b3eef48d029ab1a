from django.urls import include, path

from tousu.api.api import api
from tousu.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("tousu.portal.urls")),
    path("", include("tousu.web.urls")),
]
