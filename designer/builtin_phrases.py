"""Phrases of the built-in intents in Chinese and English (part of the script format: the
runtime's matcher hears them, validation checks keywords against them).

Designers reuse these by name (``{"intent": "affirm"}``) without writing phrase lists; a
script's own ``intents`` entry with the same name adds its phrases to these. The lists are
colloquial on purpose: they must catch what people say on the phone, as ASR writes it.
Negation is handled by the matcher, so "需要" is safe to list under affirm even though
"不需要" is a denial.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.builtins import BUILTIN_INTENTS

__all__ = ["BuiltinIntent", "BUILTIN", "builtin_intent"]


@dataclass(frozen=True, slots=True)
class BuiltinIntent:
    name: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    zh_regex: tuple[str, ...] = ()
    en_regex: tuple[str, ...] = ()
    en_whole: tuple[str, ...] = ()  # words that count only as (the start of) a whole answer


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


BUILTIN: dict[str, BuiltinIntent] = {
    b.name: b
    for b in (
        BuiltinIntent(
            "affirm",
            _w("好的 好啊 好呀 好吧 好 行 行啊 行吧 可以 可以的 嗯嗯 嗯 是的 是啊 是我 是 对 对的 对啊 没错 没问题 "
               "当然 需要 要的 愿意 同意 方便 知道了 明白 好滴 中 成 ok 可以啊 那行 那好 不介意 没意见 你说吧 说吧 请说 请讲 你讲吧 "
               "没有问题 "
               # everyday ways to say yes without any of the words above (the lab's paraphrase attack)
               "好嘞 得嘞 没毛病 听你的 那就这么办 就这么办 安排 也行 行呀 来吧 妥了 搞一个 嗯呐 给我办 来一个 弄吧"),
            _w("yes yeah yep yup sure ok okay alright correct certainly absolutely agreed definitely"),
            en_whole=_w("right fine speaking"),
            en_regex=(r"\bno (?:problem|worries)\b", r"\bof course\b", r"\bthat is me\b", r"\bthats me\b", r"\bsounds good\b", r"\bgo ahead\b",
                      r"\bi (?:do|will|can|would)\b", r"\bi dont mind\b", r"\bwhy not\b",
                      r"\bi (?:guess|think) so\b", r"\bgo on\b"),
        ),
        BuiltinIntent(
            "deny",
            # "不" alone ("不不不") counts only as a whole answer or its first clause, like every
            # one-character phrase; "没钱" (can't afford it) is a refusal of the offer too.
            _w("不用 不要 不需要 不想 没兴趣 不感兴趣 算了 不了 不行 不可以 不是 不对 不方便 不愿意 没必要 用不着 "
               "不必 免了 拒绝 没需要 不考虑 不同意 不办 不 没钱 没有钱 钱不够 没那么多钱 充不起 交不起 "
               "免谈 不弄 不搞 用不上 不合适 没意思 拉倒 不稀罕 不感冒 没这个打算 不听了 别了 省省吧 不为什么 "
               "没啥原因 没有为什么"),
            _w("nope nah"),
            # "没有" / "没有没有" / "还没呢" as the answer (or its first clause) is a no; inside a
            # sentence it is only a negator ("没有问题" is a yes, "有没有优惠" a question).
            zh_regex=(r"^(?:(?:嗯|呃|额|啊) ?)?(?:还|暂时|真的?|确实|并)?没有?(?:呢|啊|呀|的|了|哦|吧|哈|嘛)*"
                      r"(?: ?(?:还|真的?)?没有?(?:呢|啊|呀|的|了|哦|吧|哈|嘛)*)*(?= |$)",),
            en_regex=(r"\bno\b(?! (?:problem|worries|doubt))", r"\bnot interested\b", r"\bno thanks?\b", r"\bi dont\b(?! mind)", r"\bdont want\b", r"\bdont need\b",
                      r"\bnot now\b", r"\bnot me\b", r"\bnot really\b",
                      r"\b(?:absolutely|definitely|certainly|of course|probably) not\b"),
        ),
        BuiltinIntent(
            "opt_out",
            _w("别再打了 不要再打了 别打了 不要打了 别打电话 别给我打电话 拉黑 黑名单 不要再联系我 别再联系我 "
               "以后别打 以后不要打 再打我就投诉 取消订阅 退订 不要再来电 别再来电 骚扰电话"),
            _w("unsubscribe"),
            zh_regex=(r"(?:别|不要|不许|甭)再?(?:给我|往我这)?(?:打|来电|打电话|打过来|联系)",
                      r"(?:把我|将我)?(?:的号码)?(?:从.{0,6})?(?:删除|移除|拉黑)"),
            en_regex=(r"\b(?:stop|don ?t|do not|never) (?:call|calling|phone|ringing|contact)",
                      r"\bremove (?:me|my number)\b", r"\bput me on (?:the|your)? ?do not call\b",
                      r"\bdo not call list\b", r"\btake me off\b"),
        ),
        BuiltinIntent(
            "complaint",
            _w("投诉 12315 工信部 举报 曝光 消协 消费者协会 你们乱扣费 乱收费 骗子 诈骗 315"),
            _w("complain complaint complaints report scam fraud regulator lawyer sue"),
            en_regex=(r"\bfile a complaint\b", r"\breport you\b"),
        ),
        BuiltinIntent(
            "who_are_you",
            _w("你是谁 你谁 哪位 你哪里 你是哪里 哪里打来的 什么公司 哪个公司 哪家公司 你们是谁 你是干什么的 "
               "你是干嘛的 有什么事 什么事 你是机器人吗 机器人 你们哪里 谁啊 你是哪个单位 谁给你的"),
            (),
            en_whole=_w("who"),
            en_regex=(r"\bwho (?:is|are) (?:this|you)\b", r"\bwhat company\b", r"\bwhere are you calling from\b",
                      r"\bare you a (?:robot|bot|machine)\b", r"\bwhat is this about\b", r"\bwhats this about\b",
                      r"\bwho gave you (?:my|this) number\b"),
        ),
        BuiltinIntent(
            "busy_later",
            _w("在忙 正忙 很忙 忙着 开会 开车 等会 等一会 晚点 晚点再说 回头再说 回头说 改天 下次再说 有空再说 "
               "现在不方便 没时间 在上班 上班呢 在外面 过会儿 过会再打 晚些 稍后再打 一会再打 "
               "方便的时候 有空的时候 有时间再说 以后再说 到时候再说 改天再说 回头再聊"),
            _w("busy later driving"),
            en_regex=(r"\bcall (?:me )?(?:back|later)\b", r"\bin a meeting\b", r"\bnot a good time\b",
                      r"\bbad time\b", r"\bcant talk\b", r"\b(?:maybe|perhaps|try|ask me) later\b",
                      r"\b(?:some ?other|another) time\b"),
        ),
        BuiltinIntent(
            "ask_price",
            _w("多少钱 什么价格 什么价 价格 资费 收费 费用 多钱 几块钱 贵不贵 怎么收费 要钱吗 收钱吗 免费吗 月租 套餐费 要不要钱 收不收费 收不收钱 贵吗 "
               "要花多少 要交多少 得多少钱 一个月几块 怎么收 咋收 便宜吗 划算吗"),
            _w("price cost costs fee fees charge"),
            en_regex=(r"\bhow much\b", r"\bwhat does it cost\b", r"\bis it free\b"),
        ),
        BuiltinIntent(
            "repeat",
            _w("再说一遍 再说一次 没听清 没听清楚 听不清 听不清楚 你说什么 说啥 啥 再讲一遍 重复一下 没听见 "
               "听不到 大声点 什么意思 没听懂 听不懂"),
            _w("repeat"),
            zh_regex=(r"(?:^|\s)(?:啊|嗯|呃)?什么(?:啊|呀|呢)?(?:$|\s)",),  # "什么？" alone, not "为什么"
            en_whole=_w("pardon sorry what huh"),
            en_regex=(r"\bsay (?:that|it) again\b", r"\bcome again\b", r"\bcant hear\b",
                       r"\bdidnt (?:catch|hear|get) (?:that|it)\b"),
        ),
        BuiltinIntent(
            "already_done",
            _w("已经充了 充过了 充了 充好了 充值了 已充值 已经充值 已经交了 交过了 交了 缴了 缴过了 已缴费 已经缴费 "
               "办过了 已经办了 办好了 已经办理 付过了 付了 还过了 已经还了 处理过了 弄好了 搞定了 "
               "早弄了 续上了 办完了 弄完了 都好了 早就好了 已经处理了"),
            (),
            en_whole=_w("paid done"),
            en_regex=(r"\balready (?:paid|done|did|topped|recharged|renewed|sorted)\b",
                      r"\b(?:i|we) (?:have|ve|just) (?:paid|topped up|recharged|done it)\b", r"\btook care of it\b"),
        ),
    )
}

assert set(BUILTIN) == set(BUILTIN_INTENTS), "built-in intent names drifted from designer.builtins"


def builtin_intent(name: str) -> BuiltinIntent | None:
    return BUILTIN.get(name)
