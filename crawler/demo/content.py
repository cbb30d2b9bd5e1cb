"""The demo sites' plain data: deterministic articles (news, tenders, awards, corrections) and their noise."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from crawler.errors import EduwatchError


class DemoError(EduwatchError, ValueError):
    """A demo-site call named something that does not exist (a path, a sentence, a knob)."""


class Page(NamedTuple):
    """One HTTP answer: what a server would send for a path."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Noise:
    """Everything on a page that changes without the article changing (for change-detection tests)."""

    views: int = 2908  # 围观N次 / (N) counters
    related_seed: int = 0  # rotates 相关阅读 / relnews lists
    ad_variant: int = 0  # which ad block is shown
    recent_seed: int = 0  # rotates the portal's 最近更新 list
    footer_year: int = 2024
    nonce: str = "0"  # ccgp cookie-challenge values
    share_variant: int = 0  # share-bar markup flavour
    reorder: bool = False  # attribute order and indentation of the chrome


@dataclass
class DemoArticle:
    """The content of one article page; noise lives beside it and is rendered separately."""

    path: str
    title: str
    published: str  # "2024-02-08 13:48"
    source: str
    paragraphs: list[str]
    fields: dict[str, str] = field(default_factory=dict)
    attachments: list[tuple[str, str]] = field(default_factory=list)
    editor: str = ""
    subtitle: str | None = None
    kind: str = "news"  # news | tender | award | correction | members_only
    encoding: str | None = None  # None: the template's codec
    http_charset: str | None = None  # None: the template's header charset
    noise: Noise = field(default_factory=Noise)


@dataclass
class SiteSpec:
    name: str
    template: str
    list_path: str  # first list page
    per_page: int


# --- phrase bank ---------------------------------------------------------------------------------

PLACES = ["青海省", "浙江省", "广东省", "山东省", "河南省", "四川省", "湖北省", "江苏省", "云南省", "北京市"]
SUBJECTS = [
    "各地教育部门",
    "省教育厅",
    "市教育局",
    "各级各类学校",
    "职业院校",
    "高等学校",
    "区县教育行政部门",
]
ACTIONS = [
    "认真贯彻落实",
    "统筹推进",
    "持续深化",
    "扎实开展",
    "全面加强",
    "加快推进",
    "积极探索",
    "进一步规范",
]
OBJECTS = [
    "教育数字化战略行动",
    "义务教育优质均衡发展",
    "职业教育产教融合",
    "校园安全管理工作",
    "教育装备配备标准",
    "智慧校园建设",
    "实验室安全管理",
    "学生体质健康监测",
    "课后服务工作",
    "教师队伍建设",
    "劳动教育实践基地建设",
]
TAILS = [
    "，切实提高育人质量。",
    "，取得积极成效。",
    "，不断完善工作机制。",
    "，推动各项任务落地见效。",
    "，为高质量发展提供有力支撑。",
    "，确保各项工作落到实处。",
]
SCHOOLS = ["第一中学", "实验小学", "职业技术学院", "师范大学", "第二高级中学", "教育装备中心", "理工大学"]
ITEMS = [
    "智慧教室设备",
    "理化生实验室设备",
    "学生课桌椅",
    "图书馆图书",
    "录播教室",
    "体育器材",
    "校园安防监控系统",
]
EDITORS = ["曹建", "王莹", "李华", "张敏", "刘洋", "陈静"]
AGENTS = ["海逸恒安项目管理有限公司", "中教招标有限公司", "华采招标代理有限公司"]
SUPPLIERS = ["北京星火教育科技有限公司", "杭州启明教学设备有限公司", "广州博学实验器材有限公司"]


def _sentence(rng: random.Random) -> str:
    text = rng.choice(SUBJECTS) + rng.choice(ACTIONS) + rng.choice(OBJECTS) + rng.choice(TAILS)
    if rng.random() < 0.3:
        text = text[:-1] + f"，全年累计投入资金{rng.randint(120, 9800)}万元。"
    return text


def _paragraphs(rng: random.Random, n: int) -> list[str]:
    return ["".join(_sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def _news_title(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}"


def _tender(rng: random.Random, i: int, published: str) -> tuple[str, dict[str, str]]:
    buyer = rng.choice(PLACES) + rng.choice(["", "某市"]) + rng.choice(SCHOOLS)
    name = f"{buyer}{rng.choice(ITEMS)}采购项目"
    day = datetime.strptime(published, "%Y-%m-%d %H:%M") + timedelta(days=20)
    fields_ = {
        "项目编号": f"JY{published[:4]}-{i:05d}",
        "项目名称": name,
        "采购人": buyer,
        "采购方式": "公开招标",
        "预算金额": f"{rng.randint(30, 900) * 10000:,}.00元",
        "开标时间": day.strftime("%Y年%m月%d日 09:30"),
        "代理机构": rng.choice(AGENTS),
        "联系人": rng.choice(EDITORS),
        "联系电话": f"0571-8{rng.randint(1000000, 9999999)}",
    }
    return name + "招标公告", fields_


def _award(tender_fields: dict[str, str], rng: random.Random) -> tuple[str, dict[str, str]]:
    keys = ("项目编号", "项目名称", "采购人", "代理机构")
    fields_ = {k: tender_fields[k] for k in keys}
    fields_["供应商"] = rng.choice(SUPPLIERS)
    fields_["中标金额"] = f"{rng.randint(20, 800) * 10000:,}.00元"
    return tender_fields["项目名称"] + "中标（成交）结果公告", fields_


def _correction(tender_fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    keys = ("项目编号", "项目名称", "采购人")
    fields_ = {k: tender_fields[k] for k in keys}
    fields_["开标时间"] = tender_fields["开标时间"].replace("09:30", "14:30")
    return tender_fields["项目名称"] + "更正公告", fields_
