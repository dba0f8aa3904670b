from django.contrib import admin

from . import services
from .models import Queue, ReplyTemplate, RoutingRule


class AuditedAdmin(admin.ModelAdmin):
    """Configuration saved through the audited service; deleting is left to a later, audited feature."""

    def save_model(self, request, obj, form, change):
        services.save_setting(obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Queue)
class QueueAdmin(AuditedAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = ["name", "queue", "priority", "position", "is_active"]
    list_editable = []
    list_filter = ["queue", "is_active"]


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(AuditedAdmin):
    list_display = ["title", "queue", "position"]
    list_filter = ["queue"]
