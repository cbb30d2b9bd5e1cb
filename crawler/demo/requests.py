"""One request as a demo site sees it: method, path inside the site, query, body, and where the site is mounted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class DemoRequest:
    method: str
    path: str  # inside the site, e.g. "/portal/category"
    query: str  # raw query string
    body: bytes = b""
    content_type: str = ""
    prefix: str = ""  # the mount ("/zcy"): absolute links on the site's pages start with it

    def args(self) -> dict[str, str]:
        """Query parameters, then form fields of a form POST (the form wins)."""
        found = dict(parse_qsl(self.query, keep_blank_values=True))
        if self.method == "POST" and self.content_type.startswith("application/x-www-form-urlencoded"):
            found.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return found

    def json(self) -> dict | None:
        """The body read as a JSON object, or None when it is not one."""
        try:
            data = json.loads(self.body or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
