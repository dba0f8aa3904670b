from django.contrib import admin

from . import configuration
from .models import Department, Queue, ReplyTemplate, RoutingRule, ServiceLevel


class AuditedAdmin(admin.ModelAdmin):
    """Configuration saved through the audited service; deleting is left to a later, audited feature."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin wraps this view in a transaction of its own; the audited service is the transaction here
        # (durable: a change and its entry commit together, never inside somebody else's block).
        return self._changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        configuration.save_setting(obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Queue)
class QueueAdmin(AuditedAdmin):
    list_display = ["name", "description", "requires_approval", "approvers_may_edit", "approval_within_minutes"]
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
        configuration.save_service_level(obj, actor=request.user)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name_ja",
        "name_en",
        "kind",
        "accept_within_minutes",
        "resolve_within_minutes",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
