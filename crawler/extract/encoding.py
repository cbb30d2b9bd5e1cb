"""Turn page bytes into text: BOMs, declared charsets, GBK behind gb2312 labels, undeclared pages."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "csgb2312", "euc-cn", "hz-gb-2312", "cp936"}
_SINGLE_BYTE = {"iso8859-1", "cp1252", "ascii", "latin-1", "iso8859-15"}
BAD_BYTES_PER_MILLE = 2  # a page this clean in one multi-byte charset is that charset with a few bad bytes
_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def _canonical(label: str | None) -> str | None:
    """A Python codec name for a charset label; GB labels widen to gb18030 (the superset pages really use)."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        log.debug("unknown charset label %r ignored", label)
        return None
    return "gb18030" if name in {"gb2312", "gbk"} else name


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _nearly_clean(body: bytes, codecs_: list[str]) -> tuple[str, str] | None:
    """The codec that decodes the bytes with the fewest bad sequences, when those are a stray few (at most
    BAD_BYTES_PER_MILLE per thousand characters, 3 at least). Decoding a page in the wrong multi-byte
    charset fails on most of its non-ASCII characters, so a few failures mean the right charset and bad bytes."""
    best: tuple[int, str, str] | None = None
    for codec in dict.fromkeys(codecs_):
        try:
            text = body.decode(codec, errors="replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if best is None or bad < best[0]:
            best = (bad, text, codec)
    if best is None or best[0] > max(3, len(best[1]) * BAD_BYTES_PER_MILLE // 1000):
        return None
    log.info("%d bad byte sequence(s) in a %s page; each read as U+FFFD", best[0], best[2])
    return best[1], best[2]


def declared_charsets(body: bytes, http_charset: str | None) -> list[str]:
    """Charsets the transport and the markup claim, header first, without duplicates."""
    found = [_canonical(http_charset)]
    match = _META_CHARSET.search(body[:8192])
    if match:
        found.append(_canonical(match.group(1).decode("ascii", "ignore")))
    return [c for i, c in enumerate(found) if c and c not in found[:i]]


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes, returning (text, codec name).

    Strict-valid UTF-8 wins over any label (labels on these sites are often wrong); then the declared
    multi-byte charsets that decode cleanly; then gb18030 (short GBK pages fool statistical detectors
    into cp949/big5); then declared single-byte charsets (a default ISO-8859-1 header decodes anything);
    then the multi-byte charset the bytes are, give or take a few bad bytes (a GBK page under a wrong
    utf-8 meta with one stray byte is GBK with one replacement character, not mojibake from a detector);
    then charset-normalizer; last, the best guess with replacement characters.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace"), "utf-8" if codec == "utf-8" else codec
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    declared = declared_charsets(body, http_charset)
    strong = [c for c in declared if c not in _SINGLE_BYTE]
    weak = [c for c in declared if c in _SINGLE_BYTE]  # they decode any bytes, so they prove nothing
    for codec in [*strong, "gb18030", *weak]:
        text = _strict(body, codec)
        if text is not None:
            return text, codec
    nearly = _nearly_clean(body, [*strong, "gb18030", "utf-8"])
    if nearly is not None:
        return nearly
    best = from_bytes(body[:200_000]).best()
    if best is not None and _canonical(best.encoding):
        codec = _canonical(best.encoding) or "utf-8"
        return body.decode(codec, errors="replace"), codec
    codec = declared[0] if declared else "gb18030"
    log.info("no charset decodes cleanly; using %s with replacement characters", codec)
    return body.decode(codec, errors="replace"), codec
