from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.trail, name="trail"),
    path("questions/<int:question_id>/", views.question_timeline, name="question_timeline"),
    path("people/<str:number>/", views.employee_activity, name="employee_activity"),
    # Unknown formats are a 404 in the view; only a POST (the trail page's buttons) exports, a GET answers 405.
    path("export.<str:fmt>", views.export, name="export"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/verification/", views.verification, name="verification"),
    path("integrity/verify/", views.start_verification, name="start_verification"),
]
