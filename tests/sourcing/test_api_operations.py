"""The API's operations share ninja's response models by declared type (ADR 0037)."""

from __future__ import annotations

from typing import Union

from ninja import Router, Schema

from sourcing.api import api


class Thing(Schema):
    name: str


class Other(Schema):
    size: int


def _models(router: Router, path: str) -> dict[int, type]:
    (operation,) = router.path_operations[path].operations
    return operation.response_models


def test_operations_declaring_the_same_type_share_one_response_model() -> None:
    router = Router()

    @router.get("/a", response={200: list[Thing], 404: Other})
    def a(request):
        return []

    @router.get("/b", response={200: list[Thing], 404: Other, 409: Thing})
    def b(request):
        return []

    first, second = _models(router, "/a"), _models(router, "/b")
    assert first[200] is second[200] and first[404] is second[404]
    assert second[409] is not second[200]
    assert second[409].model_fields["response"].annotation is Thing


def test_a_union_in_another_order_gets_its_own_model() -> None:
    router = Router()

    @router.get("/a", response=Union[Thing, Other])  # noqa: UP007 (the order is the point)
    def a(request):
        return {"name": "x"}

    @router.get("/b", response=Union[Other, Thing])  # noqa: UP007
    def b(request):
        return {"name": "x"}

    assert _models(router, "/a")[200] is not _models(router, "/b")[200]


def test_the_api_builds_one_response_model_per_declared_type() -> None:
    by_type: dict[str, set[int]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    if model is not None:
                        declared = repr(model.model_fields["response"].annotation)
                        by_type.setdefault(declared, set()).add(id(model))
    assert len(by_type) > 5 and all(len(models) == 1 for models in by_type.values())
