"""Is a match negated by what comes right before it?

"不需要" contains "需要", "没充值" contains "充值" and "not interested" contains
"interested"; none of them means the positive. A match counts only if the text just before
it does not end in a negator, optionally followed by one or two softening words ("不太需要", "不是很方便",
"没那么需要", "不算方便", "谈不上满意", "not really interested"; the script test lab's attack found
the last three taken as a yes). Keywords that themselves start with a negator ("不用") are
unaffected because the check looks only at the text *before* the match.
"""

from __future__ import annotations

import re

__all__ = ["is_negated", "is_a_not_a", "is_double_negative_head"]

_ZH = re.compile(
    r"(?:谈不上|不|没有|没|别|未|无|甭|非|莫|勿)"
    r"(?:太|是|很|大|怎么|再|想|会|用|必|要|能|可能|需|打算|准备|曾|还|那么|算){0,2}\s*$"
)
_EN = re.compile(
    r"\b(?:not|no|never|dont|doesnt|didnt|isnt|arent|wasnt|werent|cant|cannot|wont|havent|hasnt|"
    r"hadnt|shouldnt|wouldnt|nor|without)"
    r"(?: (?:really|very|so|too|that|quite|even|yet|at all|be|been|a|an|the|any|much|want|need|"
    r"have|feel|feeling|want to|need to|am|i))?\s*$"
)


# "It is not that ...": a negation of the negation that follows ("我不是不需要" = I do need it).
_NOT_THAT = re.compile(r"[^\s](?:不是|并非)$")
_NOT_THAT_HEADS = ("不是", "并非")


def is_negated(prefix: str) -> bool:
    """True when ``prefix`` (normalised text before a match) ends in a negation.

    An A-not-A question ("是不是骗子", "要不要办理", "有没有优惠") asks, it does not deny, and a
    double negative inside a clause ("我不是不需要", "也不是没兴趣") affirms. At the start of an
    answer "不是不需要" stays a denial: without punctuation it is most often "不是，不需要".
    """
    tail = prefix[-16:]
    if not tail:
        return False
    m = _ZH.search(tail)
    if m is not None and not is_a_not_a(tail, m.start()) and not _NOT_THAT.search(tail[:m.start()]):
        return True
    return bool(_EN.search(tail))


def is_double_negative_head(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is the "不是" of a double negative: "我不是不需要" holds no
    denial "不是". Only inside a clause (something before it), only when a negator follows
    directly, and not when the phrase just repeats ("不是不是" is a plain no)."""
    phrase = text[start:end]
    return (phrase.endswith(_NOT_THAT_HEADS) and start > 0 and not text[start - 1].isspace()
            and text[end:end + 1] in ("不", "没") and not text.startswith(phrase, end))


def is_a_not_a(text: str, i: int) -> bool:
    """True when the negator at ``text[i]`` sits in an A-not-A question: 是不是, 要不要, 有没有."""
    return 0 < i < len(text) - 1 and text[i] in "不没" and text[i - 1] == text[i + 1]
