from django.urls import include, path

from tousu.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("tousu.portal.urls")),
    path("", include("tousu.web.urls")),
]
