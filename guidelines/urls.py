from django.urls import path

from . import views

app_name = "guidelines"

urlpatterns = [
    path("", views.current, name="current"),
    path("accept/", views.acknowledge, name="acknowledge"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:number>/", views.version, name="version"),
    path("publish/", views.publish, name="publish"),
    path("acceptances/", views.acknowledgements, name="acknowledgements"),
    # Only a POST (the list's button) exports, and is recorded; a GET goes back to the list.
    path("acceptances/export.csv", views.export, name="export"),
]
