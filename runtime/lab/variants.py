"""Perturbation families: what a customer on the phone says instead of the phrase in the script.

Every family turns one seed phrase (a keyword, synonym, example or built-in intent phrase) into
realistic variants, offline and deterministically: the only randomness is a
:class:`random.Random` the caller seeds. ``contrary`` is the odd one out: its variants must
*not* land on the branch the seed came from (没充 vs 充了, 我不是不需要 vs 不需要, 不太方便 vs 方便).

Families are small pure functions ``(phrase, rng) -> list[str]`` registered in
:data:`FAMILIES` (Chinese) and :data:`FAMILIES_EN` (English scripts), so a test can pin each
one and the attack can say which family a missed variant came from.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import lru_cache

import cn2an
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

from designer.textfold import is_cjk
from runtime.nlu.pinyin import fold_syllable

__all__ = ["FAMILIES", "FAMILIES_EN", "CONTRARY", "Family", "contrary", "contrary_en", "core_of"]

Family = Callable[[str, random.Random], list[str]]

_S2T = OpenCC("s2t")
FILLERS_ZH = ("嗯，", "那个，", "就是说", "哦，", "呃，", "嗯嗯，", "这个，", "啊，")
HEDGES_ZH = ("应该", "好像", "可能", "我觉得")
PARTICLES_ZH = ("吧", "啊", "呢", "哈", "呀", "嘛", "的")
# Subjects and fillers people add or drop around the core of an answer. Not 已经 / 刚 / 早就:
# "充值" is not "已经充值" (the aspect carries the meaning).
_LEADS = ("我们", "我", "都", "也", "那", "就")
_TAILS = ("吧", "啊", "呀", "呢", "哈", "嘛")  # not 了: "充值了" is done, "充值" is not
_LONG_ZH = ("我跟你说，{p}，你们就放心吧", "是这样的，{p}", "{p}，你听我说", "喂，你好，{p}", "哎呀，{p}，真的")
# Confusions ASR systems make on phone audio that pinyin alone does not predict.
_ASR_CONFUSIONS = {
    "充": "冲", "在": "再", "再": "在", "已": "以", "以": "已", "费": "飞", "话": "化", "需": "须",
    "要": "药", "办": "半", "理": "里", "交": "缴", "缴": "交", "好": "号", "行": "型", "的": "得",
    "是": "事", "对": "队", "考": "烤", "虑": "律", "钱": "前", "忙": "芒", "用": "永", "了": "啦",
    "没": "美", "兴": "星", "趣": "去", "方": "房", "便": "变", "可": "渴", "意": "易", "想": "向",
    "问": "文", "题": "提", "业": "夜", "务": "物", "资": "自", "价": "加", "格": "个",
}
# A pool of common characters: a replacement must be a real, frequent character that sounds alike.
_POOL = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她"
    "里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老"
    "从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机"
    "给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产"
    "入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提"
    "感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛"
    "林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权"
    "往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式"
    "李息写呢识极令黄德收脸钱党倒未持音案费充值号码冲飞忙芒考烤虑律兴星趣去房渴易向文提夜物自格星型药"
)


def _rng_choice(rng: random.Random, items: tuple[str, ...]) -> str:
    return items[rng.randrange(len(items))]


def _cjk(p: str) -> bool:
    return any(is_cjk(c) for c in p)


_WRAP_HEAD = ("我跟你说", "是这样的", "就是说", "喂你好", "哎呀", "那个", "这个", "嗯嗯", "嗯", "哦", "呃", "啊", "喂",
              "你好", "ok", "en")
_WRAP_TAIL = ("你们就放心吧", "你听我说", "真的", "我这边", "我们", "这个", "ok", "吧", "啊", "呢", "哈", "呀", "嘛")
_EN_WRAP = re.compile(r"^(?:(?:um|uh|well|oh|hmm|listen|so|i mean|yeah)\b[\s,]*)+|(?:[\s,]*\b(?:you know|then|please|"
                      r"i guess|yeah|okay))+$")


def core_of(text: str) -> str:
    """The phrase without fillers, hedges, wrappers and end particles: what a designer would add
    to a branch ("嗯，那个，充好了吧" -> "充好了", "um, paid then" -> "paid")."""
    if not _cjk(text):
        s = re.sub(r"[^a-z0-9' ]+", " ", text.lower())
        s = re.sub(r"\s+", " ", s).strip()
        prev = None
        while prev != s:
            prev, s = s, _EN_WRAP.sub("", s).strip(" ,")
        return s
    s = re.sub(r"[，,。.？?！!…\s]+", "", text.lower())
    changed = True
    while changed and s:
        changed = False
        for f in _WRAP_HEAD:
            if s.startswith(f) and len(s) > len(f):
                s, changed = s[len(f):], True
        for t in _WRAP_TAIL:
            if s.endswith(t) and len(s) > len(t):
                s, changed = s[: -len(t)], True
    return s


# ---- Chinese families ------------------------------------------------------------------------


def filler(p: str, rng: random.Random) -> list[str]:
    """嗯，那个，就是说 …: hesitation before the answer, sometimes a hedge too."""
    if len(p) == 1:  # "就是说好" is not said; a one-character answer gets a short hesitation only
        return [_rng_choice(rng, ("嗯，", "哦，", "啊，", "呃，")) + p]
    out = [_rng_choice(rng, FILLERS_ZH) + p]
    if rng.random() < 0.5 and p.startswith((*_NEGATABLE, "不", "没")):  # "我觉得不需要", not "我觉得你说吧"
        out.append(_rng_choice(rng, FILLERS_ZH) + _rng_choice(rng, HEDGES_ZH) + p)
    return out


def particle(p: str, rng: random.Random) -> list[str]:
    """吧/啊/呢/哈 at the end: politeness and softening."""
    if p[-1] in "吧啊呢哈呀嘛":  # 了 and 的 carry meaning (充值了 is not 充值吧; 是的 is not 是吧)
        return [p[:-1] + _rng_choice(rng, PARTICLES_ZH[:-1])]
    return [p + _rng_choice(rng, PARTICLES_ZH[:-1])]


def repeat(p: str, rng: random.Random) -> list[str]:
    """好好好, 可以可以, 充了充了: said twice or three times."""
    if len(p) == 1:
        return [p * 3]
    if not _cjk(p):
        return [f"{p} {p}"]
    if len(p) <= 3:
        return [p + p]
    return [f"{p}，{p}"]


def reorder(p: str, rng: random.Random) -> list[str]:
    """充了已经: the adverb moved behind the verb, or the subject put last, as people do in speech."""
    for lead in ("已经", "刚刚", "早就", "刚", "都"):
        if p.startswith(lead) and len(p) > len(lead) + 1:
            return [p[len(lead):] + lead]
    if p.startswith("我") and len(p) > 2:
        return [p[1:] + "，我"]
    if len(p) >= 2:
        return [f"{p}，{_rng_choice(rng, ('我这边', '这个', '我们'))}"]
    return []


def length(p: str, rng: random.Random) -> list[str]:
    """Short form (adverbs, subjects and particles dropped) and long form (the phrase in a sentence)."""
    out: list[str] = []
    short = p
    for lead in _LEADS:
        if short.startswith(lead) and len(short) > len(lead) + 1:
            short = short[len(lead):]
            break
    for tail in _TAILS:
        if short.endswith(tail) and len(short) > len(tail) + 1:
            short = short[: -len(tail)]
            break
    if short != p:
        out.append(short)
    if len(p) > 1:  # "是这样的，成" is not said; a one-character answer stays short
        out.append(_rng_choice(rng, _LONG_ZH).format(p=p))
    return out


_ARABIC = re.compile(r"\d+(?:\.\d+)?")
# A Chinese number is a quantity only with a unit after it or a 十/百/千/万 inside it:
# "一般", "想一想" and "一下" hold no number.
_MEASURE = "块元毛角天个月号年岁次张条位期周"
_ZH_NUM = re.compile(r"[零一二两三四五六七八九十百千万]*[十百千万][零一二两三四五六七八九十百千万]*"
                     r"|[一二两三四五六七八九](?=[" + _MEASURE + "])")


def number(p: str, rng: random.Random) -> list[str]:
    """200 / 两百 / 二百 / 200块 / 过2天: the same quantity said and transcribed another way."""
    out: list[str] = []
    m = _ARABIC.search(p)
    if m is not None:
        n = m.group(0)
        zh = cn2an.an2cn(n)
        if zh == "二" and p[m.end():m.end() + 1] in _MEASURE:
            zh = "两"  # 两天, 两块: 二 is not said before a measure word
        forms = [zh, zh.replace("二百", "两百").replace("二千", "两千").replace("二万", "两万")]
        if m.end() == len(p) or p[m.end()] not in _MEASURE:
            forms.append(n + "块")
        for alt in dict.fromkeys(forms):
            if alt != n:
                out.append(p[: m.start()] + alt + p[m.end():])
        return out[:3]
    m = _ZH_NUM.search(p)
    if m is None:
        return []
    text = m.group(0)
    try:
        value = float(cn2an.cn2an(text.replace("两", "二"), "smart"))
    except (ValueError, KeyError):
        return []
    forms = [str(int(value)) if value.is_integer() else str(value)]
    if "两" in text and text[-1] in "百千万":
        forms.append(text.replace("两", "二"))
    elif "二" in text and text[-1] in "百千万":
        forms.append(text.replace("二", "两"))
    for form in dict.fromkeys(forms):
        if form != text:
            out.append(p[: m.start()] + form + p[m.end():])
    return out


@lru_cache(maxsize=1)
def _by_syllable() -> dict[str, tuple[str, ...]]:
    """Pool characters by toneless syllable, and by folded syllable (zh/z, n/l, an/ang …)."""
    table: dict[str, list[str]] = {}
    for ch in dict.fromkeys(_POOL):
        syl = lazy_pinyin(ch, style=Style.NORMAL)[0]
        table.setdefault(syl, []).append(ch)
        table.setdefault("~" + fold_syllable(syl), []).append(ch)
    return {k: tuple(v) for k, v in table.items()}


def homophone(p: str, rng: random.Random) -> list[str]:
    """What ASR writes for it: a same-sound character (tones dropped), a pinyin neighbour, or a
    known phone-line confusion (充值 -> 冲值, 在忙 -> 再忙)."""
    idx = [i for i, c in enumerate(p) if is_cjk(c)]
    if len(idx) < 2:
        return []
    out: list[str] = []
    i = idx[rng.randrange(len(idx))]
    ch = p[i]
    syl = lazy_pinyin(ch, style=Style.NORMAL)[0]
    table = _by_syllable()
    same = [c for c in table.get(syl, ()) if c != ch]
    near = [c for c in table.get("~" + fold_syllable(syl), ()) if c != ch and c not in same]
    if same:
        out.append(p[:i] + same[rng.randrange(len(same))] + p[i + 1:])
    elif near:
        out.append(p[:i] + near[rng.randrange(len(near))] + p[i + 1:])
    known = [j for j in idx if p[j] in _ASR_CONFUSIONS]
    if known:
        j = known[rng.randrange(len(known))]
        alt = p[:j] + _ASR_CONFUSIONS[p[j]] + p[j + 1:]
        if alt not in out:
            out.append(alt)
    return out


# Everyday words people use for the ones a designer typed (regional and spoken forms).
_SYNONYMS = (("星期一", "礼拜一"), ("星期二", "礼拜二"), ("星期三", "礼拜三"), ("星期四", "礼拜四"), ("星期五", "礼拜五"),
             ("星期六", "礼拜六"), ("星期天", "礼拜天"), ("周一", "礼拜一"), ("周二", "礼拜二"), ("周三", "礼拜三"),
             ("周四", "礼拜四"), ("周五", "礼拜五"), ("周六", "礼拜六"), ("周日", "礼拜天"), ("考虑", "想想"),
             ("回头", "过后"), ("等会", "一会儿"), ("现在", "这会儿"), ("不用", "不要"), ("怎么", "咋"), ("什么", "啥"),
             ("知道", "晓得"), ("老", "老是"), ("太", "特别"))


def synonym(p: str, rng: random.Random) -> list[str]:
    """礼拜二 for 周二, 咋 for 怎么, 老是断线 for 老断线: the same words said another way."""
    for a, b in _SYNONYMS:
        if a in p and b not in p:
            return [p.replace(a, b, 1)]
    return []


def traditional(p: str, rng: random.Random) -> list[str]:
    """繁體: some ASR engines and typed test talk give traditional characters."""
    t = _S2T.convert(p)
    return [t] if t != p else []


_CODE_SWITCH = {
    "affirm": ("OK", "OK的", "yes", "嗯，OK", "OK，可以"),
    "deny": ("no", "no no，不用了", "No，谢谢"),
}


def english(p: str, rng: random.Random) -> list[str]:
    """English mixed in: "OK，{p}", "{p}，OK", and for yes/no answers a plain OK / no."""
    if not _cjk(p):
        return []
    return [_rng_choice(rng, ("OK，{p}", "{p}，OK", "OK OK，{p}")).format(p=p)]


def code_switch_for(intent: str | None) -> tuple[str, ...]:
    """Whole English answers that mean the built-in intent (OK, yes, no)."""
    return _CODE_SWITCH.get(intent or "", ())


# ---- contrary variants ---------------------------------------------------------------------

# Heads that people negate with 不/没 ("不需要", "不太方便", "没兴趣"); other phrases are left alone.
_NEGATABLE = ("需要", "要", "想", "愿意", "同意", "方便", "可以", "行", "对", "是", "好", "满意", "感兴趣",
              "兴趣", "有", "知道", "明白", "考虑", "办", "充", "交", "缴", "付", "用", "打算", "合适",
              "划算", "喜欢", "认识", "清楚", "贵", "便宜", "快", "稳定", "记得", "接受")
_GRADED = ("方便", "满意", "需要", "想", "愿意", "感兴趣", "合适", "划算", "喜欢", "清楚", "贵", "便宜", "快", "稳定",
           "好", "行", "可以")
_DOUBLED = re.compile(r"(.+)\1|(.).\2")
_NOT_VERBS = ("你", "我", "他", "她", "这", "那", "请", "说", "再")
_NEG_HEAD = re.compile(r"^(?:不是|不太|不用|不要|不想|不需|不|没有|没|别|未)")
_DONE_TAIL = re.compile(r"(?:过了|好了|了)$")


def contrary(p: str, rng: random.Random) -> list[str]:
    """Variants that mean the opposite and must NOT land on the seed's branch.

    A positive phrase is negated the way people negate it (充了 -> 没充 / 还没充呢; 方便 -> 不太方便;
    需要 -> 不需要). A negative one becomes a double negative inside a clause (不需要 -> 我不是不需要),
    which affirms, or loses its negator (不方便 -> 方便)."""
    if not _cjk(p) or p.endswith(("吗", "呢", "么")):
        return []  # a question ("要钱吗") has no contrary answer
    out: list[str] = []
    m = _NEG_HEAD.match(p)
    if m is not None:
        head = m.group(0)
        if head in ("不", "不要", "不想", "不需", "没", "没有") and len(p) >= 2:
            out.append("我不是" + p)
        # the positive it negates: 不需要 -> 需要, 不太方便 -> 方便, 没有钱 -> 有钱
        positive = p[len(head):] if head in ("不太", "没有", "不是") else p[1:]
        if (len(positive) >= 2 and head not in ("不是", "不用") and not positive.startswith(("是", "用"))
                and "不" not in positive and "没" not in positive):
            out.append(positive)
        return out
    if "不" in p or "没" in p:
        return out  # "先不发了" is negative already; "没先不发" is not said
    core = p
    for lead in ("已经", "刚刚", "早就", "刚", "都", "我"):
        if core.startswith(lead) and len(core) > len(lead):
            core = core[len(lead):]
            break
    if _DONE_TAIL.search(core) and len(core) > 1 and not core.startswith(_NOT_VERBS):
        stem = _DONE_TAIL.sub("", core)
        if stem:
            out += ["没" + stem, "还没" + stem + "呢"]
        return out
    if not core.startswith(_NEGATABLE) or "不" in core or "没" in core:  # "用不着" is negative already
        return out
    if len(core) > 4 or _DOUBLED.search(core):
        return out  # "不可以可以", "不想一想": a long or doubled phrase is not negated word by word  # "你说吧", "请讲": no natural negation, better none than "不你说吧"
    if len(core) == 1:
        return ["不" + core]
    if core.startswith(("有", "充", "交", "缴", "付", "办")):  # done or had: 没 / 还没, never 不
        return ["没" + core] if core.startswith("有") else ["还没" + core]
    graded = core in _GRADED or core[:-1] in _GRADED  # "不太方便" yes, "不太考虑一下" no
    head = "没" if core.startswith("兴趣") else _rng_choice(rng, ("不", "不太", "不是很")) if graded else "不"
    out.append(head + core)
    if graded and not core.startswith(("好", "行", "可以")):  # the softer ways to say no
        out.append(_rng_choice(rng, ("没那么", "不算", "谈不上")) + core)
    return out


def contrary_en(p: str, rng: random.Random) -> list[str]:
    """English contrary: "not {p}", "I don't {p}" for a positive phrase; the bare phrase for "not …"."""
    low = p.lower()
    if low in _INTERJECTIONS or low.startswith(("i ", "it", "we ", "that", "already ", "i'")):
        return []  # "not nope", "not it's paid": nobody says it
    if low.startswith(("not ", "no ", "don't ", "dont ")):
        return [p.split(" ", 1)[1]]
    if low.split(" ", 1)[0] not in _EN_NEGATABLE:
        return []  # "not let me think about it" is not said
    return [_rng_choice(rng, ("not {p}", "no, not {p}")).format(p=p)]


_EN_NEGATABLE = frozenset({"interested", "sure", "good", "convenient", "ready", "available", "happy", "keen",
                           "needed", "necessary", "possible", "now", "today", "really"})
_INTERJECTIONS = frozenset({"yes", "yeah", "yep", "yup", "ok", "okay", "alright", "nope", "nah", "no", "fine",
                            "right", "speaking", "correct", "certainly", "absolutely", "definitely", "agreed",
                            "paid", "done", "who", "later", "busy", "driving"})


# ---- English families ----------------------------------------------------------------------


def filler_en(p: str, rng: random.Random) -> list[str]:
    return [_rng_choice(rng, ("um, ", "uh, ", "well, ", "oh, ", "hmm, ")) + p]


def particle_en(p: str, rng: random.Random) -> list[str]:
    return [p + _rng_choice(rng, (", please", ", I guess", " then", ", yeah"))]


def repeat_en(p: str, rng: random.Random) -> list[str]:
    return [f"{p}, {p}"] if len(p.split()) <= 2 else []


def length_en(p: str, rng: random.Random) -> list[str]:
    return [_rng_choice(rng, ("I mean, {p}, you know", "listen, {p}", "so {p}, okay")).format(p=p)]


FAMILIES: dict[str, Family] = {
    "filler": filler,
    "particle": particle,
    "repeat": repeat,
    "reorder": reorder,
    "length": length,
    "number": number,
    "homophone": homophone,
    "synonym": synonym,
    "traditional": traditional,
    "english": english,
}
FAMILIES_EN: dict[str, Family] = {
    "filler": filler_en,
    "particle": particle_en,
    "repeat": repeat_en,
    "length": length_en,
}
CONTRARY = "contrary"
