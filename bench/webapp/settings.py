"""Production settings of the desk, unchanged, except for the URLconf that adds the benchmark's bare view."""

from replydesk.settings import *  # noqa: F403

ROOT_URLCONF = "webapp.urls"
