from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from . import grants

        # After every migrate (the audit app's signal comes once, after all migrations): the runtime role's grants.
        post_migrate.connect(grants.grant_after_migrate, sender=self, dispatch_uid="audit_grant_runtime_role")
        connection_created.connect(grants.refuse_superuser_connection, dispatch_uid="audit_refuse_superuser")
