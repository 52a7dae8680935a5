"""What every ``--json`` listing shares: JSON on stdout, dates as ISO 8601."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=_json_default)
    print()


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
