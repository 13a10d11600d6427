"""Chinese for the technical details inside a finding: JSON Schema complaints and condition-syntax reasons.

These come from the schema validator and ``designer.expr`` in English; a Chinese reader should not have
to decode "is not of type 'integer'". Unknown wording is passed through unchanged rather than
guessed at, so no detail is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["detail_zh"]

_TYPES = {"'object'": "对象", "'integer'": "整数", "'string'": "文本", "'array'": "列表", "'number'": "数字",
          "'boolean'": "布尔值（true/false）", "'null'": "空值"}
_KINDS = {"function calls": "函数调用", "attribute access ('.')": "属性访问（“.”）",
          "indexing ('[...]')": "下标（“[...]”）", "lambda": "lambda", "dictionaries": "字典",
          "'if ... else'": "“if ... else”", "':='": "“:=”"}


def _types(text: str) -> str:
    return "或".join(_TYPES.get(t.strip(), t.strip()) for t in text.strip("[]").split(","))


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^(.+) is a required property$"), lambda m: f"缺少必填字段 {m[1]}"),
    (re.compile(r"^(.+) is not one of \[(.*)\]$"), lambda m: f"{m[1]} 不是允许的取值（可选：{m[2]}）"),
    (re.compile(r"^(.+) is not of type (.+)$"), lambda m: f"{m[1]} 的类型不对，应为{_types(m[2])}"),
    (re.compile(r"^Additional properties are not allowed \((.+) (?:was|were) unexpected\)$"),
     lambda m: f"不认识的字段 {m[1]}"),
    (re.compile(r"^(.+) should be non-empty$"), lambda m: f"{m[1]} 不能为空"),
    (re.compile(r"^(.+) is too short$"), lambda m: f"{m[1]} 太短或为空"),
    (re.compile(r"^(.+) is too long$"), lambda m: f"{m[1]} 太长"),
    (re.compile(r"^(.+) is less than the minimum of (.+)$"), lambda m: f"{m[1]} 小于最小值 {m[2]}"),
    (re.compile(r"^(.+) is greater than the maximum of (.+)$"), lambda m: f"{m[1]} 大于最大值 {m[2]}"),
    (re.compile(r"^(.+) is not an id: .+$"),
     lambda m: f"{m[1]} 不是有效的编号：只能用字母（可用中文）、数字和 _ . : -，不能有空格、引号、< > & /、@ 或 $"),
    (re.compile(r"^(.+) is not a name: .+$"), lambda m: f"{m[1]} 不是有效的名称：只能用英文字母、数字和 _，且不能以数字开头"),
    (re.compile(r"^(.+) does not match (.+)$"), lambda m: f"{m[1]} 不符合格式 {m[2]}"),
    (re.compile(r"^(.+) has non-unique elements$"), lambda m: f"{m[1]} 中有重复项"),
    (re.compile(r"^(.+) is not valid under any of the given schemas$"), lambda m: f"{m[1]} 不符合任何一种允许的写法"),
    (re.compile(r"^(.+) is valid under each of .+$"), lambda m: f"{m[1]} 同时符合多种写法，只能选一种"),
    # regular expressions (re.error.msg)
    (re.compile(r"^missing \), unterminated subpattern$"), lambda m: "缺少右括号“)”"),
    (re.compile(r"^unbalanced parenthesis$"), lambda m: "括号不配对"),
    (re.compile(r"^nothing to repeat$"), lambda m: "重复符号（* + ? {}）前面没有内容"),
    (re.compile(r"^multiple repeat$"), lambda m: "重复符号连用了"),
    (re.compile(r"^unterminated character set$"), lambda m: "方括号“[”没有闭合"),
    (re.compile(r"^bad escape (.+)$"), lambda m: f"无效的转义 {m[1]}"),
    (re.compile(r"^bad character range (.+)$"), lambda m: f"无效的字符范围 {m[1]}"),
    (re.compile(r"^unknown extension (.+)$"), lambda m: f"不支持的写法 {m[1]}"),
    (re.compile(r"^missing (.+), unterminated name$"), lambda m: f"组名没有写完，缺少 {m[1]}"),
    # condition expressions (designer.expr)
    (re.compile(r"^expression is nested too deeply$"), lambda m: "表达式嵌套太深"),
    (re.compile(r"^only 'not', '-' and '\+' may stand before a value$"), lambda m: "值前面只能用 not、- 或 +"),
    (re.compile(r"^only \+ - \* / % are allowed between values$"), lambda m: "值之间只能用 + - * / %"),
    (re.compile(r"^only == != < <= > >= in / not in compare values$"),
     lambda m: "比较只能用 == != < <= > >= in / not in"),
    (re.compile(r"^the value (.+) is not a number, text or boolean$"), lambda m: f"值 {m[1]} 不是数字、文本或布尔值"),
    (re.compile(r"^a list may only hold plain values$"), lambda m: "列表里只能放普通的值"),
    (re.compile(r"^(.+) not allowed in a condition$"), lambda m: f"条件里不允许使用{_KINDS.get(m[1], m[1])}"),
    (re.compile(r"^a condition must be text$"), lambda m: "条件必须是文本"),
    (re.compile(r"^condition is longer than (\d+) characters$"), lambda m: f"条件超过了 {m[1]} 个字符"),
    (re.compile(r"^condition is empty$"), lambda m: "条件是空的"),
    (re.compile(r"^the condition ends too early$"), lambda m: "条件没有写完"),
    (re.compile(r"^syntax error: (.+)$"), lambda m: f"语法错误：{m[1]}"),
    (re.compile(r"^condition cannot be parsed$"), lambda m: "条件无法解析"),
]


def detail_zh(text: str) -> str:
    """``text`` in Chinese when its wording is known, else unchanged."""
    for pattern, say in _RULES:
        m = pattern.match(text)
        if m:
            return say(m)
    return text
