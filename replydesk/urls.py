from django.contrib import admin
from django.urls import include, path

from . import views
from .admin_login import admin_login

admin.site.login = admin_login
admin.site.site_header = "replydesk"
admin.site.site_title = "replydesk"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("people/", include("accounts.urls")),
    path("inbox/", include("inbox.urls")),
    path("audit/", include("audit.urls")),
    path("quality/", include("quality.urls")),
    path("listening/", include("listening.urls")),
    path("reports/", include("reports.urls")),
    path("guidelines/", include("guidelines.urls")),
    path("check/", include("verification.urls")),
    path("admin/", admin.site.urls),
]
