"""Canonical bytes for hashing and signing: a domain tag, then sorted-key compact UTF-8 JSON.

The same value always gives the same bytes, on every device and on the server. Floats are
refused outright: money and counters are integers, and float text is not portable.
"""

from __future__ import annotations

import json
from typing import Any


class NotCanonical(ValueError):
    """The value holds something canonical JSON does not allow (a float, a non-str key, ...)."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise NotCanonical(f"float at {path or '$'}: use an integer amount")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"non-string key {key!r} at {path or '$'}")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise NotCanonical(f"{type(value).__name__} at {path or '$'} is not allowed")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    _check(value, "")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_bytes(domain: str, value: Any) -> bytes:
    """The bytes that get hashed and signed: `domain` NUL canonical-JSON.

    The domain tag (e.g. ``heitje/entry/v1``) keeps a signature over one kind of object from
    ever being valid for another kind.
    """
    if not domain or "\x00" in domain:
        raise NotCanonical("the domain tag must be a non-empty string without NUL")
    return domain.encode() + b"\x00" + canonical_json(value)
