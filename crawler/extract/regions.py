"""Where a notice is: province and prefecture-level city from a 行政区域 value, a buyer's name or a site label.

    from crawler.extract.regions import region_of
    region_of("杭州市西湖区", "浙江大学")   # Region(province="浙江", city="杭州市")

A province is its short name (浙江, 广西, 北京); a city its full name (杭州市, 延边朝鲜族自治州); a city names
its province. The gazetteer is regions.txt beside this module (provinces and prefecture-level cities) and
regions_counties.txt (county-level names, which name their city). Pure: no I/O beyond reading those once.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import NamedTuple

_DATA = Path(__file__).with_name("regions.txt")
_COUNTIES = Path(__file__).with_name("regions_counties.txt")
_CITY_SUFFIXES = ("林区", "地区", "市", "盟")
# A short name followed by one of these is a street or a district elsewhere (北京路, 朝阳区), not the place.
_NOT_AFTER_PROVINCE = set("路街道巷")
_NOT_AFTER_CITY = _NOT_AFTER_PROVINCE | set("区县镇乡村")
_SEPARATORS = set(" \t-—/／·、,，;；()（）[]【】|:：>")


class Region(NamedTuple):
    """A province (short name) and a prefecture-level city (full name); either may be unknown (None)."""

    province: str | None
    city: str | None

    @property
    def label(self) -> str:
        """'浙江 杭州市', '浙江', or '' — how the CLI and web view show a region."""
        return " ".join(part for part in self if part)


class _Gazetteer(NamedTuple):
    anywhere: dict[str, Region]     # full names and province short names: matched anywhere in a text
    bounded: dict[str, Region]      # a city's short names: matched at the start or after another place
    provinces: tuple[str, ...]
    longest: dict[str, int]  # first character → the longest name starting with it (the rest start no name)
    counties: frozenset[str]  # county-level names and their short names: finer than a region


def _city_names(token: str) -> tuple[str, list[str]]:
    """A data token ('杭州市', '延边朝鲜族自治州=延边', '东方市=') → (full name, short names)."""
    full, explicit, shorts = token.partition("=")
    if explicit:
        return full, [name for name in shorts.split(",") if name]
    for suffix in _CITY_SUFFIXES:
        if full.endswith(suffix) and len(full) - len(suffix) >= 2:
            return full, [full[: -len(suffix)]]
    return full, []


@cache
def _gazetteer() -> _Gazetteer:
    anywhere: dict[str, Region] = {}
    bounded: dict[str, Region] = {}
    provinces = []
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        names, _, cities = line.partition(":")
        full, short, *aliases = names.split()
        provinces.append(short)
        for name in (full, short, *aliases):
            anywhere[name] = Region(short, None)
        for token in cities.split():
            city, shorts = _city_names(token)
            anywhere[city] = Region(short, city)
            for name in shorts:
                target = anywhere if name.endswith(_CITY_SUFFIXES) else bounded
                target.setdefault(name, Region(short, city))
    counties = _add_counties(anywhere, bounded)
    longest: dict[str, int] = {}
    for name in (*anywhere, *bounded):
        longest[name[0]] = max(longest.get(name[0], 0), len(name))
    return _Gazetteer(anywhere, bounded, tuple(provinces), longest, frozenset(counties))


def _add_counties(anywhere: dict[str, Region], bounded: dict[str, Region]) -> set[str]:
    """County-level names (regions_counties.txt) name their city and province: 义乌市 → 浙江 金华市, 余杭区 → 浙江
    杭州市. A two-character name (沙县) and a county-level city's short name (义乌 for 义乌市) count only where a
    place starts, as a city's short name does; one shared by two names neither. A county (县) has no short name:
    公安县, 资源县 and 和平县 would read 公安局, 资源环境 and 和平路 as places. Returns the names added."""
    added: set[str] = set()
    shorts: dict[str, list[Region]] = {}
    for line in _COUNTIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, names = line.partition(":")
        above = anywhere[key] if key in anywhere else Region(key, None)
        for name in names.split():
            book = anywhere if len(name) > 2 else bounded
            if name not in book:
                book[name] = above
                added.add(name)
            if name.endswith("市") and len(name) >= 3:
                shorts.setdefault(name[:-1], []).append(above)
    for name, places in shorts.items():
        if len(places) == 1 and name not in anywhere and name not in bounded:
            bounded[name] = places[0]
            added.add(name)
    return added


def is_county(name: str) -> bool:
    """Whether a name is a county-level place (义乌市, 余杭区, 长兴县): finer than the regions notices are sorted by."""
    return unicodedata.normalize("NFKC", name or "").strip() in _gazetteer().counties


def provinces() -> tuple[str, ...]:
    """Every province's short name, in the gazetteer's order (for pickers and validation messages)."""
    return _gazetteer().provinces


def cities() -> dict[str, str]:
    """Every city's full name → its province (prefecture-level, and county-level ones a province runs)."""
    return {name: place.province for name, place in _gazetteer().anywhere.items() if place.city == name}


def _match_at(text: str, i: int, boundary: bool) -> tuple[str, Region] | None:
    """The longest place name starting at text[i], if one reads as a place there."""
    book = _gazetteer()
    for size in range(min(book.longest.get(text[i], 0), len(text) - i), 1, -1):
        name = text[i : i + size]
        after = text[i + size : i + size + 1]
        place = book.anywhere.get(name)
        if place is not None:
            short_province = place.city is None and not name.endswith(("省", "市", "区"))
            if not (short_province and after in _NOT_AFTER_PROVINCE):
                return name, place
        place = book.bounded.get(name) if boundary else None
        if place is not None and after not in _NOT_AFTER_CITY:
            return name, place
    return None


def places_in(text: str) -> list[Region]:
    """Every place named in a text, left to right (a city's short name counts only where a place starts)."""
    return [place for _, place in _names_in(unicodedata.normalize("NFKC", text or ""))]


def _names_in(text: str) -> list[tuple[str, Region]]:
    found, i, last_end = [], 0, 0
    while i < len(text):
        boundary = i == 0 or i == last_end or text[i - 1] in _SEPARATORS
        hit = _match_at(text, i, boundary)
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i = last_end = i + len(hit[0])
    return found


def is_place_name(text: str) -> bool:
    """Whether a text is nothing but place names (浙江, 浙江省杭州市, 杭州): what a subscription's region must be,
    so 浙江大学 is refused rather than read as 浙江."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch not in _SEPARATORS)
    names = _names_in(text)
    return bool(names) and sum(len(name) for name, _ in names) == len(text)


def _region_in(text: str) -> Region:
    """The first place a text names sets its province; the first city of that province is its city."""
    province = city = None
    for place in places_in(text):
        province = province or place.province
        if place.province == province and city is None:
            city = place.city
    return Region(province, city)


def region_of(*texts: str | None) -> Region:
    """The region of a notice from its texts, best first (行政区域, then the buyer's name, then the site label).

    The first text naming a province sets it; the city is the first one of that province any text names.
    """
    province = city = None
    for text in texts:
        found = _region_in(text or "")
        province = province or found.province
        if city is None and found.city and found.province == province:
            city = found.city
    return Region(province, city)


def within(region: Region, wanted: Region) -> bool:
    """Whether a notice's region lies in a wanted one: a province holds its cities (浙江 holds 杭州市)."""
    if wanted.city:
        return region.city == wanted.city
    return wanted.province is not None and region.province == wanted.province
