from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.today, name="today"),
    path("period/", views.period, name="period"),
    path("period/<slug:table>.csv", views.period_csv, name="period_csv"),
    path("charts/<slug:digest>.svg", views.chart, name="chart"),
    path("weekly/", views.weekly_list, name="weekly_list"),
    path("weekly/<str:week>/", views.weekly, name="weekly"),
]
