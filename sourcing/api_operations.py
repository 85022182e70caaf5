"""django-ninja's response models, one per declared type and shared by the API's operations
(ADR 0037).

For every status code of every operation, ninja's `Operation._create_response_model` builds a
pydantic model class around the type the operation declares (`NinjaResponseSchema`, whose one
field `response` has that type): 501 classes for this API's operations, of 14 distinct types,
about 0.4 s of CPU (more than half of importing `sourcing.api`) in every process that loads the
URLconf. The class holds nothing of the operation (ninja validates and dumps a result through
it and reads its JSON schema for the OpenAPI document), so one class per declared type serves
every operation that declares it. `share_response_models()` installs this once, from
`SourcingConfig.ready()`, before any router module is imported.
"""

from __future__ import annotations

import threading
from typing import Any

from ninja import Schema
from ninja.operation import Operation

_build = Operation._create_response_model
_shared: dict[tuple[Any, str], type[Schema] | None] = {}
_lock = threading.Lock()


def shared_response_model(self: Operation, response_param: Any) -> type[Schema] | None:
    """The response model class for a declared type (`self`: the operation, as in the method
    this replaces): built by ninja the first time, then the same class. Keyed by the type and
    its repr, so types that compare equal but read differently (`A | B` and `B | A`: the order
    of a union is the order pydantic tries and documents) are not merged; an unhashable
    declaration gets its own class, as in ninja."""
    try:
        key = (response_param, repr(response_param))
        hash(key)
    except TypeError:
        return _build(self, response_param)
    with _lock:
        if key not in _shared:
            _shared[key] = _build(self, response_param)
        return _shared[key]


def share_response_models() -> None:
    """Make every ninja operation built from now on share its response models by type."""
    Operation._create_response_model = shared_response_model  # type: ignore[method-assign]
