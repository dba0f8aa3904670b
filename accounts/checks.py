from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def demo_mode_off_in_production(app_configs, **kwargs):
    if settings.DEMO_MODE and not settings.DEBUG:
        return [
            Error(
                "DEMO_MODE is on: TOTP is not required for privileged roles and demo passwords are public.",
                hint="Unset DEMO_MODE in production.",
                id="replydesk.E001",
            )
        ]
    return []
