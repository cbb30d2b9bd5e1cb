"""The projects fixture story: notices of three projects on two sites with different page chrome.

Site `zj` writes a ccgp-like 公告概要 table (label cell / value cell) above the body; site `edu` writes plain
`标签：值` paragraphs in another container. Used by tests/test_projects.py (in-process recorder) and
tests/test_projects_e2e.py (served over HTTP and crawled).
"""

from __future__ import annotations

ZJ = "http://zj.test"
EDU = "http://edu.test"


def zj_page(title: str, table: dict[str, str], body: list[str], published: str) -> bytes:
    rows = "".join(f"<tr><td class='title'>{k}</td><td>{v}</td></tr>" for k, v in table.items())
    paragraphs = "".join(f"<p>{line}</p>" for line in body)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_浙江政府采购网</title>"
            f"<meta name='ArticleTitle' content='{title}'><meta name='PubDate' content='{published}'></head><body>"
            "<div class='nav'><a href='/'>首页</a> <a href='/list/'>采购公告</a></div>"
            f"<div class='vF_detail_header'><h2 class='tc'>{title}</h2><span id='pubTime'>{published}</span></div>"
            f"<div class='vF_detail_content'><div class='table'><table>{rows}</table></div>{paragraphs}</div>"
            "<div class='footer'>主办单位：浙江省财政厅</div></body></html>").encode()


def edu_page(title: str, lines: list[str], published: str) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            "<div class='top'>中国教育装备采购网 | 登录 | 注册</div>"
            f"<div class='main'><h1>{title}</h1><div class='info'>教育装备采购网 {published} 围观12次</div>"
            f"<div class='content'>{paragraphs}</div></div>"
            "<div class='related'>相关阅读</div><div class='copyright'>版权与免责声明</div></body></html>").encode()


T1 = "ZJ-2024-001"
T1_NAME = "杭州市某中学理化生实验室设备采购项目"
BUYER = "杭州市某中学"
T2 = "ZJ-2024-050"
T2_NAME = "宁波市某小学课桌椅采购项目"
OTHER = "ZJ-2024-077"


def tender_zj() -> bytes:
    return zj_page(f"{T1_NAME}公开招标公告", {
        "采购项目名称": T1_NAME, "项目编号": T1, "采购单位": BUYER, "行政区域": "杭州市",
        "预算金额": "￥120.000000 万元（人民币）", "开标时间": "2024年06月05日 09:30"},
        [f"{T1_NAME}的潜在投标人应在浙江政府采购网获取招标文件，并于2024年06月05日 09点30分（北京时间）前递交投标文件。",
         "一、项目基本情况", f"项目编号：{T1}", "预算金额：120万元"], "2024-05-20 10:00")


def tender_edu() -> bytes:
    return edu_page(f"{BUYER}理化生实验室设备采购项目招标公告", [
        "采购项目编号：ＺＪ－２０２４－００１", f"项目名称：{T1_NAME}", f"采购人：{BUYER}",
        "预算金额：1,200,000.00元", "投标截止时间：2024年6月5日9点30分", "开标时间：2024年6月5日9点30分"],
        "2024-05-20 15:12")


def correction_zj() -> bytes:
    return zj_page(f"{T1_NAME}更正公告", {
        "采购项目名称": T1_NAME, "项目编号": T1, "采购单位": BUYER, "行政区域": "杭州市"},
        ["一、项目基本情况", f"项目编号：{T1}", "二、更正信息", "更正事项 更正前内容 更正后内容",
         "投标截止时间 2024年06月05日 09点30分 2024年06月12日 09点30分",
         "开标时间 2024年06月05日 09点30分 2024年06月12日 09点30分",
         "预算金额 120万元 壹佰万元整", "三、其他补充事宜：其余内容不变。"], "2024-05-28 17:00")


def result_zj() -> bytes:
    return zj_page(f"{T1_NAME}中标（成交）结果公告", {
        "采购项目名称": T1_NAME, "项目编号": T1, "采购单位": BUYER, "行政区域": "杭州市"},
        ["一、项目编号：" + T1, "二、中标（成交）信息", "包号 中标供应商 供应商地址 中标金额",
         "1 杭州某某科技有限公司 杭州市西湖区文三路1号 95.8万元",
         "2 宁波某某教育设备有限公司 宁波市鄞州区 叁拾肆万伍仟元",
         "三、公告期限：自本公告发布之日起1个工作日。"], "2024-06-20 09:00")


def tender2_edu() -> bytes:
    return edu_page(f"{T2_NAME}竞争性磋商公告", [
        f"项目编号：{T2}", f"项目名称：{T2_NAME}", "采购人：宁波市某小学", "预算金额：50万元",
        "响应文件提交截止时间：2024年6月10日14:00"], "2024-05-21 09:00")


def failed2_edu() -> bytes:
    return edu_page(f"{T2_NAME}废标公告", [
        f"项目编号：{T2}", f"项目名称：{T2_NAME}", "采购人：宁波市某小学",
        "废标理由：有效供应商不足三家。"], "2024-06-11 09:00")


def unrelated_zj() -> bytes:
    """Shares the buyer and most words of T1's name, but not its number: another project."""
    return zj_page(f"{BUYER}理化生实验室设备采购项目（二期）公开招标公告", {
        "采购项目名称": f"{BUYER}理化生实验室设备采购项目（二期）", "项目编号": OTHER, "采购单位": BUYER,
        "预算金额": "80万元", "开标时间": "2024年07月01日 09:30"},
        ["二期项目，与一期无关。"], "2024-05-29 10:00")


PAGES = {  # URL → (site, bytes)
    f"{ZJ}/notice/t1.html": ("zj", tender_zj),
    f"{EDU}/news/2024052001.shtml": ("edu", tender_edu),
    f"{ZJ}/notice/t1-correction.html": ("zj", correction_zj),
    f"{ZJ}/notice/t1-result.html": ("zj", result_zj),
    f"{EDU}/news/2024052102.shtml": ("edu", tender2_edu),
    f"{EDU}/news/2024061101.shtml": ("edu", failed2_edu),
    f"{ZJ}/notice/other.html": ("zj", unrelated_zj),
}
