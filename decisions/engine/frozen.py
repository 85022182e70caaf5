"""A read-only dict: shared safely between results, still JSON-able, picklable and copyable."""

from __future__ import annotations

from typing import Any, NoReturn


class FrozenMap(dict[str, Any]):
    """A dict that refuses changes after construction."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Every mutating method ends here."""
        raise TypeError("FrozenMap is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[FrozenMap], tuple[dict[str, Any]]]:
        """Pickle and copy through the constructor (item-by-item setting is refused)."""
        return (FrozenMap, (dict(self),))

    def __copy__(self) -> FrozenMap:
        """Read-only, so a copy can be the object itself."""
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenMap:
        """Values are plain immutable data here, so the object itself serves."""
        return self
