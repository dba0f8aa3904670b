from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group

from .models import Employee

# Roles are fixed groups changed only through the audited staff pages. E-mail addresses and authenticators
# are each person's own (allauth's pages): an administrator editing them could sign in as someone else.
admin.site.unregister(Group)
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    """Read-only: approval, suspension, roles and queues are changed on the staff pages, where they are audited."""

    list_display = ["employee_number", "email", "status", "date_joined", "last_login"]
    list_filter = ["status"]
    search_fields = ["employee_number", "email"]
    fields = ["employee_number", "email", "status", "status_reason", "status_changed_at", "date_joined", "last_login"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
