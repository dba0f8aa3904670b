from django.contrib import admin

from . import services
from .models import Queue


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        services.save_queue(obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # A queue holds questions and permissions; retiring one is a later, audited feature.
        return False
