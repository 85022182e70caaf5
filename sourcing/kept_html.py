"""HTML rendered once and kept: a page's part that is a function of an immutable row (an
assessment, a decision record) and of the code that presents it.

Kept in Django's cache (Redis where `REDIS_URL` is set, this process's memory otherwise) under
a key the caller makes from the row's identity and `source_hash()` of the templates and modules
that render it, so a deployment that changes either never reads HTML made by the old code
(ADR 0021's pattern: cached by the version of what it is computed from). A cache that is down
or hung costs a rendering, tried once a call. `kept_render` is the common case: a template's
HTML kept under a SHA-256 of the values it shows and the source hash of its code.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from functools import cache as once
from pathlib import Path
from types import ModuleType
from typing import Final

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import IncludeNode
from django.utils.safestring import SafeString

from sourcing.cache_errors import cache_errors

log = logging.getLogger(__name__)

CACHE_SECONDS: Final = 24 * 3600


def source_hash(
    templates: Iterable[str] = (),
    modules: Iterable[ModuleType] = (),
    *,
    packages: Iterable[ModuleType] = (),
) -> str:
    """16 hex digits of SHA-256 over the templates' sources and those of every template they
    include (templates_included), the modules' files and every `.py` file in the packages'
    folders (by name, each hashed with its name): the one way a cache key names the version of
    the code that computes what is kept under it."""
    digest = hashlib.sha256()
    for name in templates_included(templates):
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in packages:
        for path in sorted(Path(package.__file__ or "").parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def templates_included(templates: Iterable[str]) -> list[str]:
    """The templates named and every template each includes by a literal name
    (`{% include "name" %}`, under any tag), at any depth, each once, depth first. An include
    by a variable's name is not followed: a caller that renders one names it itself."""
    found: list[str] = []

    def visit(name: str) -> None:
        if name in found:
            return
        found.append(name)
        nodelist = get_template(name).template.nodelist  # type: ignore[attr-defined]
        for node in nodelist.get_nodes_by_type(IncludeNode):
            if isinstance(node.template.var, str):  # a literal name, not a variable
                visit(node.template.var)

    for name in templates:
        visit(name)
    return found


@once
def code_version(templates: tuple[str, ...], modules: tuple[ModuleType, ...] = ()) -> str:
    """source_hash(templates, modules), computed once per process for each (templates,
    modules): the code a deployment changes, not a running process."""
    return source_hash(templates, modules)


def kept_key(
    name: str, templates: Iterable[str], values: object, *, modules: Iterable[ModuleType] = ()
) -> str:
    """`name:<code_version of templates and modules>:<SHA-256 of repr(values)>`: where HTML
    made from `values` by those templates and modules is kept. `values` holds every value the
    HTML shows, in a form whose repr names each of them and is stable across processes
    (tuples, lists, strings, numbers, datetimes, dataclasses of those; no object addresses).
    """
    digest = hashlib.sha256(repr(values).encode()).hexdigest()
    return f"{name}:{code_version(tuple(templates), tuple(modules))}:{digest}"


def kept_render(
    name: str,
    template: str,
    values: object,
    context: Mapping[str, object] | Callable[[], Mapping[str, object]],
    *,
    modules: Iterable[ModuleType] = (),
) -> SafeString:
    """`template` rendered with `context` (or, when it is a callable, with what it returns,
    called only when the HTML is not kept), kept under kept_key(name, [template], values,
    modules=modules). `values` must name every value the HTML shows; `modules` the code,
    besides the template and those it includes, that makes the context. No query of its own.
    """

    def render() -> str:
        shown = context() if callable(context) else context
        return render_to_string(template, dict(shown))

    return kept_html(kept_key(name, (template,), values, modules=modules), render)


def kept_html(key: str, render: Callable[[], str]) -> SafeString:
    """The HTML kept under `key`, else `render()` (a template's output: the engine's
    autoescaped SafeString) kept there. Only a SafeString found in the cache (pickled with its
    class) is trusted as HTML; anything else under the key is rendered over."""
    try:
        kept = cache.get(key)
    except cache_errors():  # down or hung: rendered, and not tried again for this call
        log.warning("HTML cache unavailable; rendering %s", key.partition(":")[0], exc_info=True)
        return _rendered(render)
    if isinstance(kept, SafeString):
        return kept
    html = _rendered(render)
    try:
        cache.set(key, html, CACHE_SECONDS)
    except cache_errors():
        log.warning("HTML cache unavailable (set)", exc_info=True)
    return html


def _rendered(render: Callable[[], str]) -> SafeString:
    html = render()
    if not isinstance(html, SafeString):  # the template engine marks what it renders
        raise TypeError("template output not marked safe")
    return html
