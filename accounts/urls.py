from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("status/", views.status_page, name="status"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:employee_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:employee_id>/approve/", views.approve, name="approve"),
    path("staff/<int:employee_id>/reject/", views.reject, name="reject"),
    path("staff/<int:employee_id>/suspend/", views.suspend, name="suspend"),
    path("staff/<int:employee_id>/reactivate/", views.reactivate, name="reactivate"),
    path("staff/<int:employee_id>/role/", views.change_role, name="change_role"),
    path("staff/<int:employee_id>/queues/<int:queue_id>/", views.set_queue_permission, name="set_queue_permission"),
    path(
        "staff/<int:employee_id>/queues/<int:queue_id>/approver/",
        views.set_approver_permission,
        name="set_approver_permission",
    ),
    path(
        "staff/<int:employee_id>/departments/<int:department_id>/",
        views.set_department_membership,
        name="set_department_membership",
    ),
]
