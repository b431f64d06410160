from functools import partial

from django.urls import include, path
from ninja.openapi.views import openapi_view

from libcity.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", partial(openapi_view, api=api), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("libcity.web.urls")),
]
