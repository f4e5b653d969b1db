"""Pages call the JSON API's route functions directly, so a page and its API apply the same rules.

Why an adapter: a hot route may return a pre-serialised ``Response`` (orjson) instead of a dict;
``route_data`` gives the page the same data either way.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response


def route_data(result: Any) -> dict[str, Any]:
    if isinstance(result, Response):
        return json.loads(bytes(result.body))  # type: ignore[no-any-return]
    return result  # type: ignore[no-any-return]
