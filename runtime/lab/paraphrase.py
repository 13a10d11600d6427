"""How customers say the common acts of a call *without* the script's words.

A generator that works only from a branch's own keywords and the built-in intent phrases is
optimistic: every variant it makes contains a phrase the matcher already hears, so its recall
says how robust the branch is to fillers and ASR noise, not whether the branch knows the words
people actually use ("我想想" for consider-later, "是本人" for yes, "没啥原因" for no reason).

This bank is written once, per common customer act, independently of any script and of any
test data: everyday Mandarin and English ways to say yes, no, later, already done, how much,
how to pay, who are you, wrong person, too expensive, bad service. The attack draws
:data:`MAX_PARAPHRASES` of an act's phrases for a branch that means that act (an intent branch
by its intent's name; a keyword branch when its keywords name the act's markers) and treats each
like one of the branch's own phrases (perturbed by the same families). A miss becomes an
``add_phrase`` suggestion; the designer decides.
"""

from __future__ import annotations

import random

from designer.model import Branch, Script

__all__ = ["BANK_ZH", "BANK_EN", "MARKERS_ZH", "MAX_PARAPHRASES", "act_of", "paraphrases_of"]

MAX_PARAPHRASES = 10  # per branch: as many other people's words as the script's own (MAX_SEEDS) and a few more

BANK_ZH: dict[str, tuple[str, ...]] = {
    "affirm": ("嗯呐", "好嘞", "得嘞", "行呀没毛病", "那就这么办", "听你的", "来吧", "妥了", "中啊", "安排吧",
               "本人就是我", "我本人", "对对对，是我", "你讲你讲", "搞一个吧", "弄吧", "那你弄吧", "嗯，给我办了",
               "那来一个", "那就弄一下", "也行", "随便吧，行"),
    "deny": ("别了别了", "不搞", "不弄了", "免谈", "不稀罕", "没意思", "拉倒吧", "省省吧", "不感冒", "用不上",
             "没这个打算", "不听了", "挂了啊", "不合适", "没啥原因", "不为什么", "就是不想", "没有为什么",
             "不划算不弄", "我自己有", "我不搞这个"),
    "consider_later": ("我得想一想", "再看看吧", "考虑考虑", "过阵子吧", "以后再说", "回头看看", "到时候再说", "再商量商量",
                       "回家跟老婆商量下", "等等再说", "等我看看", "还没想好", "先放着吧", "下个月再看", "发工资了再说",
                       "晚点再弄", "不急", "我琢磨琢磨", "再议吧", "让我想一下", "过两天看", "我回头自己弄"),
    "busy_later": ("我在忙", "正开车呢", "开会呢", "晚点打过来", "现在说话不方便", "等会儿打给我", "没空",
                   "在上班", "手上有事", "一会儿再打", "晚上打来吧", "我这儿正忙着", "在地铁上", "抱孩子呢"),
    "already_done": ("弄好了", "搞定了", "早弄了", "前两天就交了", "已经弄完了", "交过啦", "昨天刚办的",
                     "我老婆帮我充了", "充上了", "续上了", "已经处理了", "都好了", "办完了", "早就好了",
                     "家里人帮我弄了", "上礼拜就弄了", "网上交了", "早恢复了"),
    "ask_price": ("多少钱", "要花多少", "收费吗", "贵不贵", "什么价", "一个月几块", "怎么收", "要交多少", "费用多少",
                  "要充几块", "得多少钱", "便宜吗", "划算吗", "要不要钱"),
    "how_to_pay": ("怎么交", "在哪充", "能用微信吗", "支付宝可以吗", "去哪里办", "怎么弄", "网上能交吗",
                   "营业厅才能交吗", "怎么充", "在手机上能弄吗", "去哪交"),
    "who_are_you": ("你哪位", "哪个公司的", "你谁啊", "你是真人吗", "什么单位", "你哪儿的"),
    "not_me": ("你找错人了", "我不是他", "没这个人", "号码打错了", "这不是我的号", "认错人了", "你打错电话了",
               "我不是机主", "他不在这"),
    "too_expensive": ("价格太高", "不值这个钱", "比别家贵", "用不起", "性价比低", "太坑了", "收费太狠", "钱太多了",
                      "套餐太贵"),
    "bad_service": ("网老卡", "信号不行", "老掉线", "速度太慢", "网络差", "经常断网", "打电话老断", "网不好"),
}

BANK_EN: dict[str, tuple[str, ...]] = {
    "affirm": ("sounds good", "go for it", "sure thing", "yes please", "that works", "why not", "speaking",
               "this is he", "uh huh", "let's do it", "fine by me"),
    "deny": ("I'll pass", "not for me", "no thank you", "I'm good", "not interested thanks", "nah I'm fine",
             "I can't afford it", "I don't think so", "no way"),
    "consider_later": ("let me think about it", "maybe next week", "I'll think it over", "give me a few days",
                       "not sure yet", "I need to check first", "let me talk to my wife"),
    "busy_later": ("I'm busy right now", "call me tomorrow", "I'm at work", "can you call back later"),
    "already_done": ("already took care of it", "I paid it yesterday", "it's been paid", "I sorted it out",
                     "paid online this morning"),
    "ask_price": ("how much is it", "what's the cost", "is it expensive"),
    "who_are_you": ("who's calling", "who is this", "what company is this"),
    "not_me": ("wrong number", "you have the wrong person", "nobody by that name here"),
}

# A keyword branch means an act when one of its keywords holds one of the act's markers
# (打错了 -> not_me; 太贵 -> too_expensive). Intent branches mean their intent's name.
MARKERS_ZH: dict[str, tuple[str, ...]] = {
    "not_me": ("打错", "本人", "不认识", "不是我"),
    "too_expensive": ("贵", "资费高", "费用高", "不划算"),
    "bad_service": ("网速", "信号", "断线", "不稳定"),
}
MARKERS_EN: dict[str, tuple[str, ...]] = {"not_me": ("wrong number", "wrong person")}


def act_of(script: Script, b: Branch) -> str | None:
    """The customer act a branch listens for, or None when the bank has nothing for it."""
    bank = BANK_ZH if script.is_chinese else BANK_EN
    if b.when.kind == "intent":
        return b.when.value if b.when.value in bank else None
    if b.when.kind != "keywords":
        return None
    markers = MARKERS_ZH if script.is_chinese else MARKERS_EN
    words = [str(k).lower() for k in b.when.value]
    best, score = None, 0
    for act, marks in markers.items():
        n = sum(any(m in w for m in marks) for w in words)
        if n > score:
            best, score = act, n
    return best


def paraphrases_of(script: Script, b: Branch, rng: random.Random) -> list[str]:
    """Up to :data:`MAX_PARAPHRASES` of the act's everyday phrases, drawn by their own generator
    (seeded from ``rng``) so that the draw does not depend on how many phrases the script has."""
    act = act_of(script, b)
    if act is None:
        return []
    pool = list((BANK_ZH if script.is_chinese else BANK_EN)[act])
    sub = random.Random(rng.random())
    return pool if len(pool) <= MAX_PARAPHRASES else sub.sample(pool, MAX_PARAPHRASES)
