"""Work pypdf repeats for every page it extracts, done once: the fonts a file's pages share, the WinAnsi table.

pypdf builds a page's fonts anew for each page (parses each ToUnicode CMap, collects the widths: half the time
of reading a PDF), although a file's pages reference the same font dictionaries; and each page's text extractor
decodes the 256 codes of cp1252 into a fresh table (a sixth of the rest). Both are routed here once per process.
Outside `one_file()`, in any other thread, or with a pypdf that lacks them, pypdf works as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_FONTS = threading.local()  # .built: id(font dictionary) → (the dictionary, its Font), while one file is read


@contextlib.contextmanager
def one_file() -> Iterator[None]:
    """While this thread reads one file, a font dictionary's Font is built once. pypdf only reads a Font while
    extracting (besides setting its space width, to the same value on every page), so the text is the same."""
    _fonts_once()
    _encoding_tables_once()
    outer, _FONTS.built = getattr(_FONTS, "built", None), {}
    try:
        yield
    finally:
        _FONTS.built = outer


def _fonts_once() -> None:
    try:
        from pypdf.generic._font import Font
        build = Font.__dict__["from_font_resource"].__func__
    except (ImportError, KeyError, AttributeError):
        return
    if getattr(build, "eduwatch_once", False):
        return

    def from_font_resource(cls, pdf_font_dict):
        fonts = getattr(_FONTS, "built", None)
        if fonts is None:
            return build(cls, pdf_font_dict)
        held = fonts.get(id(pdf_font_dict))
        if held is None:  # the dictionary is held too: its id stays its own while the file is read
            held = fonts[id(pdf_font_dict)] = (pdf_font_dict, build(cls, pdf_font_dict))
        return held[1]

    from_font_resource.eduwatch_once = True
    Font.from_font_resource = classmethod(from_font_resource)


def _encoding_tables_once() -> None:
    try:
        from pypdf._text_extraction import _text_extractor
        build = _text_extractor.encoding_dict_from_named_encoding
    except (ImportError, AttributeError):
        return
    if getattr(build, "eduwatch_once", False):
        return
    tables: dict[str, dict[int, str]] = {}  # by codec name ("cp1252"): a codec decodes a byte the same way each time

    def encoding_dict_from_named_encoding(encoding: str) -> dict[int, str]:
        table = tables.get(encoding)
        if table is None:
            table = tables[encoding] = build(encoding)
        return dict(table)  # a copy: a font may change its own

    encoding_dict_from_named_encoding.eduwatch_once = True
    _text_extractor.encoding_dict_from_named_encoding = encoding_dict_from_named_encoding
