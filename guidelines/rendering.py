"""The guidelines' Markdown as HTML a page may show: CommonMark without raw HTML (markdown-it escapes it), links only
to safe schemes (markdown-it refuses javascript:, vbscript:, file: and data:), and no images (a picture from another
site would track its readers, and the Content-Security-Policy blocks it anyway: the text is what counts)."""

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")


def render_markdown(text: str) -> SafeString:
    # Everything markdown-it writes is escaped or built from the allowed elements above, so it may go out as is.
    return mark_safe(_MARKDOWN.render(text))  # noqa: S308
