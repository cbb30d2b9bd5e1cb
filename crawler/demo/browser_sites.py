"""Demo sites only a real browser reads: one behind a 瑞数-style 412 challenge, one whose list JavaScript draws.

Both are drawn with the 广东省教育厅 template (so the generic follow/pagination rules are gd's) under their own
names and seeds. `eduwatch demo` mounts the challenge site beside the others when a Chromium is installed and
says in one line that it skipped it when not (a fresh machine has only Python).
"""

from __future__ import annotations

import base64

from crawler.demo.challenge import ChallengeGate
from crawler.demo.sites import Site, build_site
from crawler.fetch.browser import BrowserMissing, find_browser

CHALLENGE_SITE = "waf412"
CHALLENGE_LABEL = "教育厅（瑞数式 412 验证）"
DEMO_CLEARANCE_USES = 5  # the demo's clearance expires after this many requests: mid-crawl, as real ones do


def challenged_site(n_articles: int, mode: str = "412", max_uses: int = 0, ttl: float = 0.0, seed: int = 412,
                    per_page: int | None = None) -> Site:
    """A gd-template site whose every page sits behind a JavaScript challenge (`site.gate` counts its work)."""
    site = build_site("gd", n_articles, seed, per_page)
    site.gate = ChallengeGate(mode, max_uses=max_uses, ttl=ttl)
    return site


class DrawnListSite(Site):
    """List pages whose links exist only after a script ran: the list arrives base64-packed and is drawn into
    the page 50 ms after load (no API to call, no link in the HTML)."""

    def _render_list(self, page_no: int) -> str:
        page = super()._render_list(page_no)
        head, _, rest = page.partition("<body>")
        body, _, tail = rest.partition("</body>")
        packed = base64.b64encode(body.encode("utf-8")).decode("ascii")
        script = ("<script>window.addEventListener('load',function(){setTimeout(function(){"
                  f"var b=atob('{packed}'),u=new Uint8Array(b.length);"
                  "for(var i=0;i<b.length;i++){u[i]=b.charCodeAt(i);}"
                  "document.getElementById('app').innerHTML=new TextDecoder('utf-8').decode(u);},50);});</script>")
        return f'{head}<body>\n<div id="app">加载中……</div>\n{script}\n</body>{tail}'


def drawn_list_site(n_articles: int, seed: int = 6, per_page: int | None = None) -> DrawnListSite:
    base = build_site("gd", n_articles, seed, per_page)
    return DrawnListSite(base.spec, [base.article(path) for path in base.article_paths()])


def add_challenge_site(sites: dict[str, Site]) -> None:
    """Mount the challenge site in the demo bundle, or say in one line why not (no Chromium)."""
    try:
        find_browser()
    except BrowserMissing:
        print(f"(skipping the demo site behind a JavaScript challenge, {CHALLENGE_SITE}: it needs Chromium; "
              "apt install chromium to see it)", flush=True)
        return
    sites[CHALLENGE_SITE] = challenged_site(4, max_uses=DEMO_CLEARANCE_USES, per_page=2)


def edit_challenge_site(sites: dict[str, Site]) -> list[str]:
    """A reworded sentence behind the challenge, for the demo's second crawl to find."""
    site = sites.get(CHALLENGE_SITE)
    if site is None:
        return []
    path = site.article_paths()[0]
    sentence = site.article(path).paragraphs[0].split("。")[0]
    site.edit_sentence(path, sentence, sentence + "，报名截止时间顺延至下月底")
    return [f"{CHALLENGE_SITE}{path}"]
