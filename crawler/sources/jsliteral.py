"""Read a JavaScript literal (arrays, objects, strings, numbers) from page script: what json.loads cannot.

Sites write `var list = [{title:'…', url:"…",},]` — unquoted keys, single quotes, trailing commas,
comments. Anything else (a call, an expression) stops the read with ValueError.
"""

from __future__ import annotations

import json
import re

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_SPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.S)
_WORDS = {"true": True, "false": False, "null": None, "undefined": None}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
MAX_DEPTH = 40


def parse_at(text: str, pos: int) -> tuple[object, int]:
    """The literal starting at `pos` (after any space) and the index just past it."""
    return _Reader(text).value(pos, 0)


class _Reader:
    def __init__(self, text: str):
        self.text = text

    def skip(self, pos: int) -> int:
        match = _SPACE.match(self.text, pos)
        return match.end() if match else pos

    def value(self, pos: int, depth: int) -> tuple[object, int]:
        if depth > MAX_DEPTH:
            raise ValueError("literal nested too deep")
        pos = self.skip(pos)
        char = self.text[pos:pos + 1]
        if char == "[":
            return self.array(pos + 1, depth)
        if char == "{":
            return self.object(pos + 1, depth)
        if char in ("'", '"'):
            return self.string(pos)
        number = _NUMBER.match(self.text, pos)
        if number:
            text = number.group(0)
            return (float(text) if any(c in text for c in ".eE") else int(text)), number.end()
        name = _NAME.match(self.text, pos)
        if name and name.group(0) in _WORDS:
            return _WORDS[name.group(0)], name.end()
        raise ValueError(f"not a literal at {pos}: {self.text[pos:pos + 20]!r}")

    def array(self, pos: int, depth: int) -> tuple[list, int]:
        items: list = []
        while True:
            pos = self.skip(pos)
            if self.text[pos:pos + 1] == "]":
                return items, pos + 1
            item, pos = self.value(pos, depth + 1)
            items.append(item)
            pos = self.after_item(pos, "]")

    def object(self, pos: int, depth: int) -> tuple[dict, int]:
        result: dict = {}
        while True:
            pos = self.skip(pos)
            if self.text[pos:pos + 1] == "}":
                return result, pos + 1
            key, pos = self.key(pos)
            pos = self.skip(pos)
            if self.text[pos:pos + 1] != ":":
                raise ValueError(f"expected ':' at {pos}")
            result[key], pos = self.value(pos + 1, depth + 1)
            pos = self.after_item(pos, "}")

    def after_item(self, pos: int, closer: str) -> int:
        pos = self.skip(pos)
        char = self.text[pos:pos + 1]
        if char == ",":
            return pos + 1
        if char == closer:
            return pos
        raise ValueError(f"expected ',' or {closer!r} at {pos}")

    def key(self, pos: int) -> tuple[str, int]:
        if self.text[pos:pos + 1] in ("'", '"'):
            return self.string(pos)
        name = _NAME.match(self.text, pos) or _NUMBER.match(self.text, pos)
        if not name:
            raise ValueError(f"expected a key at {pos}")
        return name.group(0), name.end()

    def string(self, pos: int) -> tuple[str, int]:
        quote, out, i = self.text[pos], [], pos + 1
        while i < len(self.text):
            char = self.text[i]
            if char == quote:
                return "".join(out), i + 1
            if char == "\\":
                i, piece = self.escape(i + 1)
                out.append(piece)
                continue
            out.append(char)
            i += 1
        raise ValueError("unterminated string")

    def escape(self, i: int) -> tuple[int, str]:
        char = self.text[i:i + 1]
        if char == "u" and re.match(r"[0-9a-fA-F]{4}", self.text[i + 1:i + 5]):
            return i + 5, json.loads(f'"\\u{self.text[i + 1:i + 5]}"', strict=False)
        if char == "x" and re.match(r"[0-9a-fA-F]{2}", self.text[i + 1:i + 3]):
            return i + 3, chr(int(self.text[i + 1:i + 3], 16))
        if char == "\n":
            return i + 1, ""
        return i + 1, _ESCAPES.get(char, char)
