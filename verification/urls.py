from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    path("", views.check, name="check"),
    path("guide/edit/", views.edit_guide, name="edit_guide"),
]
