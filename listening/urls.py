from django.urls import path

from . import views

app_name = "listening"

urlpatterns = [
    path("", views.streams, name="streams"),
    path("new/", views.new_stream, name="new_stream"),
    path("<int:stream_id>/", views.stream, name="stream"),
    path("<int:stream_id>/edit/", views.edit_stream, name="edit_stream"),
    path("<int:stream_id>/pause/", views.pause_stream, name="pause_stream"),
    path("<int:stream_id>/resume/", views.resume_stream, name="resume_stream"),
    path("hits/<int:hit_id>/note/", views.note_hit, name="note_hit"),
]
