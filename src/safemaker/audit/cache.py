"""The audit's bounded cache of described resources (a model or endpoint config named by many resources)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from ..errors import MISSING


class _LruCache:
    """A small thread-safe LRU cache: memory stays bounded whatever the number of resources."""

    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def get(self, key: Any) -> Any:
        with self._lock:
            if key not in self._data:
                return MISSING
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)
