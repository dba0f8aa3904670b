from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo desk: the fake X server, simulated customers and the seed of `make run`. The desk never imports it."""

    name = "demo"
    verbose_name = _("Demo")
