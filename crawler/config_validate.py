"""Typed reads from a config TOML table; each failure names the file, the dotted key and the fix."""

from __future__ import annotations

import re
from pathlib import Path

from crawler.errors import ConfigError


class Validator:
    """Typed reads from a TOML table that fail with the file and the dotted key."""

    def __init__(self, path: Path):
        self.path = path

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {problem}")

    def keys(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                dotted = f"{where}.{key}" if where else key
                raise self.error(dotted, f"unknown key; allowed here: {', '.join(sorted(allowed))}")

    def table(self, raw: dict, key: str) -> dict:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table: write [{key}] on its own line")
        return value

    def string(self, table: dict, key: str, default: str | None = None) -> str:
        name = key.rsplit(".", 1)[-1]
        if name not in table:
            if default is None:
                raise self.error(key, "is required")
            return default
        value = table[name]
        if not isinstance(value, str):
            raise self.error(key, f"must be a string in quotes, not {value!r}")
        return value

    def integer(self, table: dict, key: str, default: int, low: int, high: int) -> int:
        value = table.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def number(self, table: dict, key: str, default: float) -> float:
        value = table.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise self.error(key, f"must be a positive number of seconds, not {value!r}")
        return value

    def boolean(self, table: dict, key: str, default: bool) -> bool:
        value = table.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false (no quotes), not {value!r}")
        return value

    def choice(self, table: dict, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.string(table, key, default=default)
        if value not in options:
            raise self.error(key, f"{value!r} is not one of: {', '.join(options)}")
        return value

    def string_list(self, table: dict, key: str) -> list[str]:
        value = table.get(key.rsplit(".", 1)[-1], [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, f"must be a list of strings, e.g. [\"a\", \"b\"], not {value!r}")
        return value

    def regex(self, table: dict, key: str) -> str | None:
        value = self.string(table, key, default="") or None
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise self.error(key, f"is not a valid regular expression ({exc}); use single quotes '...' in TOML") from None
        return value
