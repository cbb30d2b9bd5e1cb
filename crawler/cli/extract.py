"""`eduwatch extract`: run the extractor over files, URLs or stdin, in one process (JSON Lines for batches)."""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

from crawler.errors import EduwatchError
from crawler.extract import extract
from crawler.fetch.settings import DOWNLOAD_TIMEOUT, USER_AGENT

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


class InputError(EduwatchError):
    """One input could not be read; the batch goes on."""


def read_input(name: str, charset: str | None) -> tuple[bytes, str, str | None]:
    """(bytes, URL to resolve links against, HTTP charset) for a file path, a URL or '-'."""
    if name == "-":
        return sys.stdin.buffer.read(), "", charset
    if re.match(r"^https?://", name):
        return _fetch(name)
    path = Path(name)
    try:
        return path.read_bytes(), path.resolve().as_uri(), charset
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory; pass the HTML files inside it") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None


def _fetch(url: str) -> tuple[bytes, str, str | None]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            body = response.read()
            match = _CHARSET.search(response.headers.get("Content-Type", ""))
            return body, response.geturl(), match.group(1) if match else None
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: the server answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"{url}: cannot fetch ({reason}); check the address and your connection") from None


def extract_inputs(inputs: list[str], *, url: str | None, charset: str | None, as_json: bool,
                   use_profiles: bool) -> int:
    failures = 0
    for name in inputs:
        try:
            body, base_url, http_charset = read_input(name, charset)
        except InputError as exc:
            failures += 1
            print(f"eduwatch: error: {exc}", file=sys.stderr)
            if as_json:
                print(json.dumps({"input": name, "error": str(exc)}, ensure_ascii=False), flush=True)
            continue
        article = extract(body, url or base_url, http_charset, use_profiles=use_profiles)
        record = {"input": name, **article.to_dict()}
        if as_json:
            print(json.dumps(record, ensure_ascii=False), flush=False)
        else:
            print(format_article(record))
    sys.stdout.flush()
    return 1 if failures else 0


def format_article(record: dict) -> str:
    lines = [f"# {record['title']}"]
    if record.get("subtitle"):
        lines.append(f"## {record['subtitle']}")
    meta = [f"{k}: {record[k]}" for k in ("published", "source", "editor", "encoding", "extractor") if record.get(k)]
    lines.append(" | ".join(meta))
    if record.get("flags"):
        lines.append(f"flags: {', '.join(record['flags'])}")
    lines += [f"{key}: {value}" for key, value in (record.get("fields") or {}).items()]
    lines += ["", record["body"], ""]
    lines += [f"附件: {a['title']} <{a['url']}>" for a in record.get("attachments") or []]
    return "\n".join(lines)
