"""Zip archives: read their members as documents, with caps on member count and unpacked size (zip bombs)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from .model import FLAG_TRUNCATED, FLAG_UNREADABLE, KIND_ZIP, Document, Part, ReadLimits

Reader = Callable[[bytes, str, ReadLimits, int], Document]


class ZipTooBig(ValueError):
    """The archive would unpack past a cap."""


def check_container(data: bytes, limits: ReadLimits) -> str | None:
    """Why a zip container (zip, docx, xlsx) must not be unpacked, or None when its declared sizes are sane."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # the format's reader reports the damage in its own words
    if len(infos) > limits.max_members * 50:  # docx/xlsx have many small parts; a bomb has thousands
        return f"archive has {len(infos)} entries (cap {limits.max_members * 50})"
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_unpacked_bytes:
        return f"archive unpacks to {unpacked:,} bytes (cap {limits.max_unpacked_bytes:,})"
    return None


def read_zip(data: bytes, limits: ReadLimits, depth: int, read: Reader) -> Document:
    """Each member read with `read`; its parts labelled "member" or "member 第N页". Damaged members get a note."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir() and not _junk(i.filename)]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return Document(KIND_ZIP, flags=[FLAG_UNREADABLE], error=f"damaged zip archive: {exc}"[:300])
    doc = Document(KIND_ZIP)
    if len(infos) > limits.max_members:
        infos = infos[: limits.max_members]
        doc.flags.append(FLAG_TRUNCATED)
    budget = limits.max_unpacked_bytes
    for info in infos:
        name = member_name(info)
        if info.flag_bits & 0x1:
            doc.parts.append(Part(name, "", note="无法读取：压缩包成员有密码"))
            continue
        try:
            payload = _read_capped(archive, info, budget)
        except ZipTooBig:
            doc.flags.append(FLAG_TRUNCATED)
            break
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:  # damaged or odd method
            doc.parts.append(Part(name, "", note=f"无法读取：{exc}"[:200]))
            continue
        budget -= len(payload)
        _add_member(doc, name, read(payload, name, limits, depth + 1))
    return doc


def _add_member(doc: Document, name: str, member: Document) -> None:
    if member.failed or not member.parts:
        note = f"无法读取：{member.error}" if member.failed else "无法读取文本"
        doc.parts.append(Part(name, "", note=note[:200]))
        return
    for part in member.parts:
        doc.parts.append(Part(f"{name} {part.label}".strip(), part.text, part.note))
    if FLAG_TRUNCATED in member.flags and FLAG_TRUNCATED not in doc.flags:
        doc.flags.append(FLAG_TRUNCATED)


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Read a member in chunks, stopping at the budget whatever its header claims (headers can lie)."""
    import zlib

    chunks, total = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 16):
                total += len(chunk)
                if total > budget:
                    raise ZipTooBig(info.filename)
                chunks.append(chunk)
    except zlib.error as exc:
        raise ValueError(f"corrupt compressed data: {exc}") from exc
    return b"".join(chunks)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; archives made on Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _junk(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1] in (".DS_Store", "Thumbs.db")
