"""The page layout's fixed parts (templates/base.html), rendered once per process, not on every
page: `{% load layout %}`, then `{% fixed "includes/govuk_footer.html" %}` or, for a part that
depends on a few values, `{% fixed "includes/service_navigation_items.html" items=nav_items %}`.

A fixed part is rendered with nothing in its context but the keyword values given (never the
request, the user, the CSRF token or the CSP nonce: what reads them stays in base.html), so its
HTML is a function of the template, those values, the URLconf and script prefix its `{% url %}`
tags reverse with, and the static files storage its `{% static %}` tags ask (fixed for a
process: the manifest is read once). It is kept in this process's memory under all of them:
the template as the engine loaded it (the cached loader gives the same object until it is
reset, e.g. by the development server's autoreloader when a template changes, and a new object
is a new key), the values (hashable: a NavItem tuple, a string), the script prefix, the URLconf
and STATIC_URL; any settings change (tests' override_settings) forgets everything kept.
Rendering the layout alone took 2.5 to 2.7 ms of CPU a page before, 1.3 to 1.5 ms after (alice,
2-core machine at load average 6): most of it was these parts' `{% static %}` and `{% url %}`
tags and the navigation's loop.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template import Context, Engine
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString

register = template.Library()

# key -> (the Template object it was rendered from, its HTML). The template is kept beside the
# HTML, and compared by identity, so a template reloaded at the same name is rendered again.
_KEPT: dict[tuple[Hashable, ...], tuple[Any, SafeString]] = {}
# The values come from small fixed sets (each role's navigation with one current item or none:
# about a hundred parts in all); a value that varies per request (a name, a token) would be a
# mistake, and this bound keeps the memory it could take small.
MAX_KEPT = 1000


def forget(**_: Any) -> None:
    """Drop every kept part (a receiver of setting_changed: STATIC_URL, the URLconf, the
    template settings or the storages may have changed)."""
    _KEPT.clear()


setting_changed.connect(forget, dispatch_uid="sourcing.templatetags.layout.forget")


@register.simple_tag(takes_context=True)
def fixed(context: Context, template_name: str, **values: Hashable) -> SafeString:
    """The HTML of `template_name` rendered with only `values` in its context, kept per
    process under the template, the values, the script prefix, the URLconf and STATIC_URL.
    TypeError if a value cannot be hashed (it could not be part of the key)."""
    engine = context.template.engine if context.template is not None else Engine.get_default()
    loaded = engine.get_template(template_name)
    key = (
        template_name,
        tuple(sorted(values.items())),
        get_script_prefix(),
        get_urlconf(),
        settings.STATIC_URL,
        context.autoescape,
    )
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is loaded:
        return kept[1]
    html = loaded.render(Context(values, autoescape=context.autoescape))
    if len(_KEPT) >= MAX_KEPT:
        _KEPT.clear()
    _KEPT[key] = (loaded, html)
    return html
