from django.contrib import admin

from inbox.admin import AuditedAdmin

from . import configuration
from .models import BusinessHours


@admin.register(BusinessHours)
class BusinessHoursAdmin(AuditedAdmin):
    list_display = ["__str__", "queue", "opens_at", "closes_at", "weekdays", "closed_on_holidays"]

    def save_model(self, request, obj, form, change):
        configuration.save_business_hours(obj, actor=request.user)
