"""Lists in words: "a, b, c" in English, "a、b、c" in Japanese (the separator is translated)."""

from django import template

from inbox.wording import listed

register = template.Library()
register.filter("listed", listed)
