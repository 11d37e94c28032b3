"""Web-page furniture (site footers, disclaimers, share buttons, photo credits) → removed (pure).

Scraped pages end with a site footer: disclaimers, "本文地址", comment boxes, captchas, site
maps — and spam gets injected exactly there. The rules below describe furniture in general
(what such paragraphs say, how short they are, where they sit), never particular sites, so
they carry over to pages we have not seen.
"""

from __future__ import annotations

import re
from typing import Sequence

from plankb.records import Block

# Phrases that only site furniture uses. One cue in a long paragraph proves nothing (a policy
# may forbid "转载不良信息"); two distinct cues, or one in a short line, mark furniture.
_CUES = re.compile(
    r"版权所有|版权声明|仅代表作者|不代表本(?:站|网)|本站|本网|转载|侵权|联系我们|关于我们|免责声明"
    r"|本文地址|原文(?:链接|地址)|文章来源|留言|评论|验证码|网站地图|上一篇|下一篇|责任编辑"
    r"|扫一扫|分享到|打印本页|关闭窗口|收藏本(?:页|站)|设为首页|加入收藏|ICP备|公网安备|技术支持"
    r"|copyright|all rights reserved|©",
    re.I,
)
# Whole paragraphs that are furniture by themselves wherever they stand.
_STANDALONE = [
    re.compile(r"^(?:来源|稿源|出处|作者|编辑|责任编辑|责编|审核|校对|点击数|浏览次数|阅读量)\s*[:：].{0,40}$"),
    re.compile(r"^(?:本文地址|原文链接|原文地址|文章链接|网址)\s*[:：]"),
    re.compile(r"^(?:上一篇|下一篇|相关阅读|相关链接|相关文章|热门文章|推荐阅读)\s*[:：]?.{0,60}$"),
    re.compile(r"^[\[【]?(?:打印|关闭|收藏|分享|返回顶部|打印本页|关闭窗口)[\]】]?(?:\s*[\[【]?(?:打印|关闭|收藏|分享|返回顶部|打印本页|关闭窗口)[\]】]?)*$"),
    re.compile(r"^(?:网站地图|验证码\s*[:：]?.{0,10}|扫一扫.{0,30}|分享到.{0,30}|字号\s*[:：].{0,20})$"),
    re.compile(r"^(?:copyright|版权所有|©).{0,120}$", re.I),
    re.compile(r"^(?:https?://|www\.)\S+$|^/?[\w\-]+(?:/[\w\-.]+)+\.s?html?$", re.I),
    # Catalogue stamps of scanned-journal exports and newspaper edition lines.
    re.compile(r"^(?:中图分类号|分类号|文献标识码|文章编号|DOI)\s*[:：]", re.I),
    re.compile(r"^\S{2,12}报\s*/.{0,40}版\s*/?$"),
    # A wire-service dateline on its own line: "新华社北京3月22日电".
    re.compile(r"^\S{0,8}社\S{0,6}\d{1,2}月\d{1,2}日电(?:\s*[（(]记者.{0,30}[）)])?$"),
    # A photo caption ending in the photographer's credit: "… 新华社记者 姚大伟 摄".
    re.compile(r"^.{0,150}(?:记者|通讯员|摄影|图片)\s*[:：]?\s*[\u4e00-\u9fff·]{2,8}\s*摄(?:影)?$"),
]
_SHORT = 30  # a paragraph this short with a single cue, and not a sentence, is furniture
_SENTENCE = re.compile(r"[。！？；，]")
_FOOTER_GAP = 2  # short unexplained paragraphs tolerated inside a footer (spam, counters)
_FOOTER_GAP_CHARS = 60


def is_furniture(text: str) -> bool:
    """True when a paragraph reads as site furniture rather than document content."""
    if any(pattern.search(text) for pattern in _STANDALONE):
        return True
    cues = {match.lower() for match in _CUES.findall(text)}
    return len(cues) >= 2 or (len(cues) == 1 and len(text) <= _SHORT and not _SENTENCE.search(text))


def footer_start(blocks: Sequence[Block]) -> int | None:
    """Index where the trailing site footer begins, or None when the text ends with content.

    Walks up from the end; a footer is a run of furniture paragraphs that may enclose a few
    short unexplained ones (injected spam, an empty comment counter). Once a footer starts,
    everything after it goes, so spam inside it cannot survive by looking innocent.
    """
    start = None
    gap = 0
    for index in range(len(blocks) - 1, -1, -1):
        text = blocks[index].text
        if is_furniture(text):
            start, gap = index, 0
            continue
        gap += 1
        if len(text) > _FOOTER_GAP_CHARS or gap > _FOOTER_GAP:
            break
    return start


def strip_boilerplate(blocks: Sequence[Block]) -> tuple[tuple[Block, ...], int]:
    """Drop the trailing site footer and standalone furniture lines; return (kept, n_removed)."""
    cut = footer_start(blocks)
    body = blocks[:cut] if cut is not None else blocks
    kept = tuple(block for block in body if not _standalone(block.text))
    return kept, len(blocks) - len(kept)


def _standalone(text: str) -> bool:
    # Inside the body only whole-line patterns count: a cue word alone is too weak away from
    # the footer, where real text might mention 转载 or 评论.
    return any(pattern.search(text) for pattern in _STANDALONE)
