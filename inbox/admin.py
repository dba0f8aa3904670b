from django.contrib import admin

from . import service_levels, services
from .models import Queue, ReplyTemplate, RoutingRule, ServiceLevel


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


@admin.register(ServiceLevel)
class ServiceLevelAdmin(AuditedAdmin):
    list_display = ["__str__", "queue", "priority", "answer_within_minutes", "warn_after_minutes"]
    list_filter = ["queue", "priority"]

    def save_model(self, request, obj, form, change):
        # Saving also moves the deadlines of the open questions this level governs.
        service_levels.save_service_level(obj, actor=request.user)
