"""Build page N of a static list whose pager is drawn by JavaScript (TRS `index_N.html` style)."""

import re

_INDEX = re.compile(r"index(?:_\d+)?\.(s?html?)$")


def trs_page_url(url: str, page: int, suffix: str) -> str | None:
    """Page 1 is index.<suffix>, page N is index_<N-1>.<suffix>, beside the list URL given."""
    if page < 2:
        return None
    base = url.split("?", 1)[0].split("#", 1)[0]
    if _INDEX.search(base):
        base = base[: base.rfind("/") + 1]
    elif not base.endswith("/"):
        return None
    return f"{base}index_{page - 1}.{suffix}"
