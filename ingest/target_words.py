"""The vocabulary target extraction reads with: comparator words, link words, predicates, qualifiers."""

from __future__ import annotations

import re

# Comparator words before a number; matched longest first so 不低于 wins over 低于.
_BEFORE = {
    "≥": ("不低于", "不少于", "不小于", "至少", "超过", "突破", "超", "达到", "达", "提高到", "提高至",
          "提升到", "提升至", "增加到", "增加至", "增长到", "增至", "扩大到", "扩大至", "高于", "大于", "多于"),
    "≤": ("不超过", "不高于", "不大于", "控制在", "控制到", "低于", "少于", "小于", "降至", "降到",
          "下降到", "下降至", "降低到", "降低至", "减少到", "减少至", "压减到", "压减至", "缩短到", "缩短至"),
    "≈": ("大约", "约", "接近", "近"),
    "=": ("保持在", "保持", "稳定在", "维持在"),
}
_BEFORE_WORDS = sorted(((w, c) for c, ws in _BEFORE.items() for w in ws), key=lambda wc: -len(wc[0]))
_AFTER = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤", "之内": "≤",
          "左右": "≈", "上下": "≈"}
_AFTER_RE = re.compile("|".join(sorted(_AFTER, key=len, reverse=True)))
# Words with no content of their own between an indicator and its number.
_AVERAGE = ("平", "日", "年", "月", "人", "户")  # 平均, 日均, 人均: 均 there is part of the word
_LINK_WORDS = ("分别", "总计", "合计", "为", "是", "在", "到", "至", "有", "了", "共", "均", "都")
# Verbs that end a 每… qualifier or introduce a clause-final object ("配置婴幼儿照护服务设施").
_OBJECT_VERBS = ("配备", "配置", "拥有", "建有", "建设", "设置", "设立", "提供", "完善", "新建", "建成")
# Leading words that frame a phrase but do not name what is measured.
_LEAD_WORDS = ("原则上", "力争", "确保", "实现", "推动", "其中", "同时", "分别", "并且", "以及",
               "全市", "全省", "全国", "全区", "全县", "全年", "今年", "当年")
_CHANGE_VERBS = ("增长", "下降", "提高", "降低", "减少", "增加", "上升", "提升")
# A head that is only one of these continues the previous figure's subject:
# "老旧小区综合整治新开工300个、完工200个", "新设企业增长20.3%，总数突破211万户".
_ELLIPTICAL = _CHANGE_VERBS + ("新开工", "开工", "完工", "竣工", "建成", "新建", "新增", "净增", "完成",
                               "累计", "总数", "总量", "总额", "总规模", "占比", "比重")
# Nouns after a number that name a yardstick rather than what is measured.
_GENERIC = ("标准", "目标", "要求", "水平", "规模", "任务", "指标", "比例", "人民币", "基础上")
# Tails that start with a verb are actions, not the measured noun ("5000亿元用于…").
_TAIL_VERBS = ("用于", "推进", "推动", "实施", "完成", "支持", "带动", "惠及", "覆盖", "开展", "建设")
# "按照每百户不少于20平方米的标准": what precedes 按照 is scope; the measure is named later.
_AGE_UNITS = ("岁", "周岁")
_POPULATION = re.compile("婴幼儿|幼儿|儿童|少年|青少年|未成年人|老年人|老人|学生|妇女|人口|人员|居民|群众|职工")
_FRAMES = ("按照", "依照", "参照", "对照", "根据", "按")
# The base of a 每… qualifier: 每千人口, 每百户, 每万人, 每1万左右常住人口, 每百名学生.
_PER_BASE = re.compile(
    r"每(?:[0-9.]+|[一二三四五六七八九两])?[十百千万]*(?:左右)?(?:名|个|位)?"
    r"(?:常住|户籍|城镇|农村|城乡|在校|适龄)?"
    r"(?:人口|居民|老年人|老人|学生|儿童|婴幼儿|家庭|职工|人|户|平方公里|公顷|亩|元|村|社区)")
# Words that open a predicate after a counted noun: "110家医院实现医保移动支付" counts 医院.
_PREDICATE = re.compile(
    "实现|得到|获得|获评|获批|荣获|获|进入|入选|位列|跻身|晋级|通过|基本完成|基本实现|基本建成|完成|取得"
    "|纳入|落地|落户|亮相|挂牌|揭牌|焕发|提请|参加|参与|享受|享有|达到|接入|开通|上线|投用|入住|进行"
    "|开展|担任|聘任|推行|按照|予以|全部|全面|全线|有序|加快|加速|如期|按期|顺利|陆续|大力"
    "|启动建设|开工建设|保质保量|免费|提供|[0-9]+月")  # "230个计划新开工项目9月底前全部开工"
# A unit that opens a noun: "13亿多人口" counts 人口, in 人.
_UNIT_NOUNS = ("人口", "人民", "人才", "人群")
_FREQUENCY = r"(?:一年|每(?:[0-9]+|[一二三四五六七八九十两])?(?:年|个月|月|周|天|日|季度|学期))"
_DELIMS = "，,；;：:。！？!?、"
_CLAUSE_DELIMS = "，,；;：:。！？!?"
_UNIT_NOTE = re.compile(r"[（(][^）)，,。]{1,2}[）)]")
_BASELINE_PHRASE = re.compile(
    r"(?:分别)?(?:由|从)[^，,；;。]*?(?=(?:" + "|".join(_CHANGE_VERBS) + r")(?:到|至|为)$)")
_BASELINE_AFTER = re.compile("(?:" + "|".join(_CHANGE_VERBS + ("降", "增")) + ")(?:到|至|为)")
_COMPARED = re.compile(r"(?:分别)?(?:比|较|与|同)(?:[12]\d{3}年|\d+年前|上年|去年|上次|上届)(?:同期|相比)?")
