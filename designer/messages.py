"""The words of every validation and QA finding, in English and Chinese.

Checks record *what* they found (a message key such as ``dead_end.transfer`` and parameters such
as ``node`` and ``queue``); this module turns that into a sentence in the reader's language. The
``code`` of a finding never changes with the language, so programs keep matching on it.

Template syntax is :meth:`str.format` with three extras so one parameter reads right in both
languages:

* ``{node!n}`` -- a node: ``'ask'`` in English; 「title」 (or 「id」 without a title) in Chinese,
  because business users know their scenes by the title they typed in the editor.
* ``{x!q}`` -- any quoted value: ``'x'`` in English, 「x」 in Chinese.
* ``{x!t}`` -- a technical detail (schema complaint, condition syntax) put into Chinese where known.
* ``{x!w}`` -- a vocabulary word (``keyword``, ``dtmf``, ``say``...) translated for Chinese.
* ``{xs:list}`` -- a list: ``'a', 'b'`` / 「a」、「b」; ``{xs:loop}`` -- a chain of nodes joined by arrows.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from designer._detail_zh import detail_zh

__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "SUGGESTIONS",
    "Text",
    "VALIDATION_CODES",
    "code_of",
    "normalize_lang",
    "render",
    "suggestion",
]

LANGUAGES: tuple[str, ...] = ("en", "zh")
_GLOBAL_HUB = "@global"  # designer.graph.GLOBAL_HUB; repeated so this module imports nothing


@dataclass(frozen=True, slots=True)
class Text:
    """One sentence in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def normalize_lang(lang: str | None) -> str:
    """``zh``, ``zh-CN``, ``zh_TW.UTF-8`` -> ``zh``; ``en``, ``en-US``, None -> ``en``; anything else is refused
    (a typo must not silently give the wrong language)."""
    if lang is None or lang == "":
        return "en"
    primary = lang.replace("_", "-").split("-")[0].split(".")[0].lower()
    if primary not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return primary


def code_of(key: str) -> str:
    """The finding code of a message key: ``dead_end.transfer`` -> ``dead_end``."""
    return key.partition(".")[0]


_WORDS_ZH: dict[str, str] = {
    "keyword": "关键词", "dtmf": "按键", "intent": "意图", "event": "事件", "regex": "正则表达式",
    "keywords": "关键词", "expr": "条件表达式",
    "say": "播报", "say_listen": "播报并收听", "condition": "条件判断", "transfer": "转人工", "end": "结束",
    "string": "文本", "number": "数字", "amount": "金额", "date": "日期", "phone": "电话号码",
    "affirm": "肯定", "deny": "否定", "silence": "静默", "no_match": "未识别",
}


class _Formatter(string.Formatter):
    def __init__(self, lang: str, titles: Mapping[str, str]) -> None:
        super().__init__()
        self.lang = lang
        self.titles = titles

    def _quote(self, value: Any) -> str:
        return f"「{value}」" if self.lang == "zh" else repr(value)

    def _node(self, value: Any) -> str:
        if value == _GLOBAL_HUB:
            return "全局处理" if self.lang == "zh" else "a global handler"
        if self.lang == "zh":
            return self._quote(self.titles.get(value) or value)
        return repr(value)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "n":
            return self._node(value)
        if conversion == "q":
            return self._quote(value)
        if conversion == "t":
            return detail_zh(str(value)) if self.lang == "zh" else str(value)
        if conversion == "w":
            return _WORDS_ZH.get(str(value), str(value)) if self.lang == "zh" else str(value)
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec == "list":
            return ("、" if self.lang == "zh" else ", ").join(self._quote(v) for v in value)
        if format_spec == "plain_list":
            return ("、" if self.lang == "zh" else ", ").join(str(v) for v in value)
        if format_spec == "loop":
            return (" → " if self.lang == "zh" else " -> ").join(self._node(v) for v in value)
        return super().format_field(value, format_spec)


def _T(en: str, zh: str) -> Text:
    return Text(en, zh)


# message key -> sentence. The key is the code, or code.variant when one code has several situations.
MESSAGES: dict[str, Text] = {
    # --- validation ---------------------------------------------------------------------------
    "schema": _T("The file's structure is wrong at {path}: {detail}.",
                 "文件结构不符合话术格式，位置 {path}：{detail!t}。"),
    "missing_start": _T("The script starts at {start!q}, but there is no node with that id.",
                        "话术的开始节点设为{start!q}，但没有这个编号的节点。"),
    "duplicate_id.node": _T("Two nodes are called {id!q}; give each scene its own id.",
                            "有两个节点的编号都是{id!q}，每个节点需要独立的编号。"),
    "duplicate_id.branch": _T("Node {node!n} has two branches called {branch!q}.",
                              "节点{node!n}中有两个分支的编号都是{branch!q}。"),
    "duplicate_id.handler": _T("Two global handlers are called {branch!q}.",
                               "有两个全局处理的编号都是{branch!q}。"),
    "dangling_target.node": _T("Node {node!n} goes to {target!q}, which does not exist.",
                               "节点{node!n}跳转到{target!q}，但这个节点不存在。"),
    "dangling_target.branch": _T("Node {node!n} (branch {branch!q}) goes to {target!q}, which does not exist.",
                                 "节点{node!n}的分支{branch!q}跳转到{target!q}，但这个节点不存在。"),
    "dangling_target.handler": _T("A global handler (branch {branch!q}) goes to {target!q}, which does not exist.",
                                  "全局处理{branch!q}跳转到{target!q}，但这个节点不存在。"),
    "dangling_target.unset_node": _T("Node {node!n} has no next step chosen yet: pick where the call goes.",
                                     "节点{node!n}还没有选择下一步：请选择通话接着去哪里。"),
    "dangling_target.unset_branch": _T("Node {node!n} (branch {branch!q}) has no target chosen yet: pick where the "
                                       "call goes when the customer answers this way.",
                                       "节点{node!n}的分支{branch!q}还没有选择跳转目标：请选择客户这样回答后通话去哪里。"),
    "dangling_target.unset_handler": _T("A global handler (branch {branch!q}) has no target chosen yet: pick where "
                                        "the call goes.",
                                        "全局处理{branch!q}还没有选择跳转目标：请选择通话去哪里。"),
    "missing_default": _T("Condition {node!n} has no default: when none of its conditions holds, "
                          "the call has nowhere to go.",
                          "条件节点{node!n}没有设置“否则转到”：所有条件都不满足时，通话将无处可去。"),
    "dead_end.transfer": _T("Transfer {node!n} says nothing about what happens when no agent in queue "
                            "{queue!q} is free; add a fallback 'next'.",
                            "转人工节点{node!n}没有设置坐席队列{queue!q}全忙时的去向，请设置“接着转到”作为兜底去向。"),
    "dead_end": _T("After {type} node {node!n} the call has nowhere to go: it is not an end node and has no way on.",
                   "{type!w}节点{node!n}之后通话无路可走：它不是结束节点，也没有设置“接着转到”或分支。"),
    "missing_silence_branch": _T("Node {node!n} does not say what happens when the customer stays silent.",
                                 "节点{node!n}没有设置客户沉默时的处理。"),
    "missing_no_match_branch": _T("Node {node!n} does not say what happens when the answer is not understood.",
                                  "节点{node!n}没有设置听不懂客户回答时的处理。"),
    "unreachable_node": _T("No call can ever reach node {node!n}: nothing leads to it from the start.",
                           "节点{node!n}永远不会被走到：从开场出发没有任何路径通向它。"),
    "no_path_to_end": _T("From node {node!n} the call can never reach an end node: it would go round "
                         "until the line is cut.",
                         "从节点{node!n}出发无法到达任何结束节点：通话会一直绕圈，直到线路被切断。"),
    "unbounded_loop": _T("The call can go round {nodes:loop} forever: no branch in this loop has max_times. "
                         "Give the retry branch a max_times and an else_goto.",
                         "通话可能陷入无限循环（{nodes:loop}）：这个循环里没有任何分支设置“最多次数”。"
                         "请给重试分支设置“最多次数”和“超过后转到”。"),
    "unbounded_loop.more": _T("The call can go round {nodes:loop} and {more} more forever: no branch in this "
                              "loop has max_times. Give the retry branch a max_times and an else_goto.",
                              "通话可能陷入无限循环（{nodes:loop} 等共 {total} 个节点）：这个循环里没有任何分支设置"
                              "“最多次数”。请给重试分支设置“最多次数”和“超过后转到”。"),
    "unbounded_loop.branch": _T("The call can go round {nodes:loop} forever: no branch in this loop has max_times. "
                                "Give branch {branch!q} a max_times and an else_goto.",
                                "通话可能陷入无限循环（{nodes:loop}）：这个循环里没有任何分支设置“最多次数”。"
                                "请给分支{branch!q}设置“最多次数”和“超过后转到”。"),
    "unbounded_loop.branch_more": _T("The call can go round {nodes:loop} and {more} more forever: no branch in "
                                     "this loop has max_times. Give branch {branch!q} a max_times and an else_goto.",
                                     "通话可能陷入无限循环（{nodes:loop} 等共 {total} 个节点）：这个循环里没有任何分支"
                                     "设置“最多次数”。请给分支{branch!q}设置“最多次数”和“超过后转到”。"),
    "unbounded_loop.handler": _T("Global handler {branch!q} brings the call back to the same question and can "
                                 "fire again and again; give it max_times and an else_goto.",
                                 "全局处理{branch!q}会把通话带回同一个问题，并且可以反复触发；"
                                 "请给它设置“最多次数”和“超过后转到”。"),
    "unbounded_loop.no_else": _T("The call can go round {nodes:loop} again and again: branch {branch!q} may fire "
                                 "at most {times} time(s) (max_times), but nothing says where the call goes after "
                                 "that (no else_goto).",
                                 "通话可能在（{nodes:loop}）中反复绕圈：分支{branch!q}设置了“最多次数”（{times} 次），"
                                 "但没有设置“超过后转到”，次数用完后通话该去哪里没有说明。"),
    "unbounded_loop.else_back": _T("The call can go round {nodes:loop} forever: branch {branch!q} stops after its "
                                   "max_times, but its else_goto leads back into the same loop.",
                                   "通话可能陷入无限循环（{nodes:loop}）：分支{branch!q}达到“最多次数”后，"
                                   "“超过后转到”又回到了同一个循环里。"),
    "unbounded_loop.handler_no_else": _T("Global handler {branch!q} brings the call back to the same question; it may "
                                         "fire at most {times} time(s) (max_times), but nothing says where the call "
                                         "goes after that (no else_goto).",
                                         "全局处理{branch!q}会把通话带回同一个问题；它设置了“最多次数”（{times} 次），"
                                         "但没有设置“超过后转到”，次数用完后通话该去哪里没有说明。"),
    "return_outside_handler": _T("Node {node!n} goes to @return, but no global handler leads to it, "
                                 "so there is no question to return to.",
                                 "节点{node!n}设置了“返回原问题”，但没有任何全局处理会走到它，因此没有可以返回的问题。"),
    "invalid_condition.not_expr": _T("Condition {node!n} branch {branch!q} must test variables with 'expr', "
                                     "not {kind!q}: a condition node does not listen.",
                                     "条件节点{node!n}的分支{branch!q}应当用条件表达式判断变量，而不是{kind!w}："
                                     "条件节点不收听客户说话。"),
    "invalid_condition.expr": _T("Branch {branch!q} of {node!n} uses 'expr'; variable tests belong in a "
                                 "condition node.",
                                 "节点{node!n}的分支{branch!q}使用了条件表达式；判断变量应放在条件节点里。"),
    "invalid_condition.handler": _T("Global handler {branch!q} uses 'expr'; handlers react to what the customer says.",
                                    "全局处理{branch!q}使用了条件表达式；全局处理应当响应客户说的话。"),
    "unknown_intent.node": _T("Branch {branch!q} of node {node!n} waits for intent {intent!q}, which is neither "
                              "defined in the script nor built in.",
                              "节点{node!n}的分支{branch!q}等待意图{intent!q}，但话术里没有定义它，它也不是内置意图。"),
    "unknown_intent.handler": _T("Branch {branch!q} of the global handlers waits for intent {intent!q}, which is "
                                 "neither defined in the script nor built in.",
                                 "全局处理{branch!q}等待意图{intent!q}，但话术里没有定义它，它也不是内置意图。"),
    "invalid_regex.node": _T("Branch {branch!q} of node {node!n}: the pattern is broken ({error}).",
                             "节点{node!n}的分支{branch!q}：正则表达式第 {position} 个字符附近有误（{reason!t}）。"),
    "invalid_regex.handler": _T("Branch {branch!q} of the global handlers: the pattern is broken ({error}).",
                                "全局处理{branch!q}：正则表达式第 {position} 个字符附近有误（{reason!t}）。"),
    "invalid_regex.intent": _T("Intent {intent!q}: pattern {pattern!q} is broken ({error}).",
                               "意图{intent!q}：正则表达式{pattern!q}第 {position} 个字符附近有误（{reason!t}）。"),
    "invalid_expr.node": _T("Branch {branch!q} of node {node!n}: {reason} (column {column} of {expr!q}).",
                            "节点{node!n}的分支{branch!q}：条件{expr!q}第 {column} 个字符处有误（{reason!t}）。"),
    "invalid_expr.handler": _T("Branch {branch!q} of the global handlers: {reason} (column {column} of {expr!q}).",
                               "全局处理{branch!q}：条件{expr!q}第 {column} 个字符处有误（{reason!t}）。"),
    "undefined_variable.expr": _T("Condition {expr!q} reads variable {name!q}, which is not declared in 'variables'.",
                                  "条件{expr!q}用到了变量{name!q}，但变量列表里没有声明它。"),
    "undefined_variable.bad_name": _T("Node {node!n}: '${{{raw}}}' is not a variable name.",
                                      "节点{node!n}：“${{{raw}}}”不是合法的变量名。"),
    "undefined_variable.prompt": _T("Node {node!n} says ${{{name}}}, but {name!q} is not declared in 'variables'.",
                                    "节点{node!n}的话术里用到了 ${{{name}}}，但变量列表里没有声明{name!q}。"),
    "ambiguous_branch": _T("In node {node!n}, branches {other!q} and {branch!q} both react to {kind} {value!q}; "
                           "only the first would ever fire.",
                           "节点{node!n}中，分支{other!q}和{branch!q}都响应{kind!w}{value!q}，只有前一个会生效。"),
    "ambiguous_branch.intent": _T("In node {node!n}, the answer {value!q} fits both branch {branch!q} (a keyword) "
                                  "and branch {other!q} (intent {intent!q} includes it); the call always takes "
                                  "{winner!q}.",
                                  "节点{node!n}中，客户回答{value!q}时，分支{branch!q}（关键词）和分支{other!q}"
                                  "（意图{intent!q}也包含这个说法）都符合，通话总是走{winner!q}。"),
    "ambiguous_branch.handler": _T("In node {node!n}, the answer {value!q} fits both branch {branch!q} and global "
                                   "handler {other!q} (both list it as a keyword); the call always takes {winner!q}.",
                                   "节点{node!n}中，客户回答{value!q}时，分支{branch!q}和全局处理{other!q}"
                                   "（两者都设置了这个关键词）都符合，通话总是走{winner!q}。"),
    "ambiguous_branch.handler_intent": _T("In node {node!n}, the answer {value!q} fits both branch {branch!q} "
                                          "(a keyword) and global handler {other!q} (intent {intent!q} includes it); "
                                          "the call always takes {winner!q}.",
                                          "节点{node!n}中，客户回答{value!q}时，分支{branch!q}（关键词）和全局处理"
                                          "{other!q}（意图{intent!q}也包含这个说法）都符合，通话总是走{winner!q}。"),
    "empty_prompt": _T("Node {node!n} has nothing to say: give it a text or a recording.",
                       "节点{node!n}没有话术内容：请填写播报文字或上传录音。"),
    "empty_prompt.end": _T("End node {node!n} hangs up without a word; a short goodbye is kinder.",
                           "结束节点{node!n}一句话不说就挂断；加一句简短的告别语会更礼貌。"),
    "intent_rule_unknown_node": _T("Intent rule {label!q} looks for node {id!q}, which does not exist.",
                                   "意向规则{label!q}引用了节点{id!q}，但这个节点不存在。"),
    "intent_rule_unknown_tag": _T("Intent rule {label!q} looks for tag {tag!q}, which no node or branch sets.",
                                  "意向规则{label!q}引用了标签{tag!q}，但没有任何节点或分支会打上这个标签。"),
    "intent_rule_unknown_outcome": _T("Intent rule {label!q} looks for outcome {outcome!q}, which no end node has.",
                                      "意向规则{label!q}引用了通话结果{outcome!q}，但没有任何结束节点使用这个结果。"),
    "intent_rule_unknown_outcome.item": _T("Intent rule {label!q} looks for outcome {outcome!q}, which no end node "
                                           "has (item {item}).",
                                           "意向规则{label!q}引用的第 {number} 个通话结果{outcome!q}，"
                                           "没有任何结束节点使用。"),
    "end_without_outcome": _T("End node {node!n} has no outcome, so the call result cannot say how it ended.",
                              "结束节点{node!n}没有设置通话结果，通话记录将无法说明通话是怎样结束的。"),
    "outcome_without_intent_rule": _T("No intent rule maps outcome {outcome!q} (end node {node!n}), so these calls "
                                      "get no intent label.",
                                      "没有意向规则对应通话结果{outcome!q}（结束节点{node!n}），这些通话将得不到意向标签。"),
    # --- QA: coverage -----------------------------------------------------------------------
    "no_opt_out_handler": _T("Nothing in the script reacts when the customer asks not to be called again "
                             "(不要再打了) on any question.",
                             "客户在任何问题上说“不要再打了”时，话术都没有相应处理。"),
    "no_complaint_handler": _T("Nothing in the script reacts when the customer wants to complain (投诉) on any "
                               "question.",
                               "客户在任何问题上提出投诉时，话术都没有相应处理。"),
    "no_who_are_you_handler": _T("Nothing in the script reacts when the customer asks who is calling (你是谁) on "
                                 "any question.",
                                 "客户在任何问题上问“你是谁”时，话术都没有相应处理。"),
    "no_busy_later_handler": _T("Nothing in the script reacts when the customer is busy and asks to be called "
                                "later (在忙) on any question.",
                                "客户在任何问题上说“在忙，晚点再打”时，话术都没有相应处理。"),
    "no_answer_branches": _T("Node {node!n} asks something but reacts to no answer, only to events.",
                             "节点{node!n}向客户提了问题，却只处理静默等事件，没有处理任何回答。"),
    "missing_yes_no.no": _T("Node {node!n} handles yes but not no.",
                            "节点{node!n}只处理了客户说“是”，没有处理客户说“不是”。"),
    "missing_yes_no.yes": _T("Node {node!n} handles no but not yes.",
                             "节点{node!n}只处理了客户说“不是”，没有处理客户说“是”。"),
    "no_success_outcome": _T("No call can end in success: no reachable end node has an outcome that a 'success' "
                             "intent rule maps.",
                             "没有任何通话能以成功结束：能走到的结束节点中，没有一个的通话结果被“成功”类意向规则对应。"),
    # --- QA: prompts ------------------------------------------------------------------------
    "prompt_too_long": _T("Node {node!n} takes about {seconds:.0f} s to say; customers hang up on long monologues.",
                          "节点{node!n}播报约需 {seconds:.0f} 秒；话术太长，客户容易挂断。"),
    "sentence_too_long.chars": _T("A sentence in {node!n} runs to {units:.0f} characters: hard to follow by ear "
                                  "(\u201c{excerpt}\u2026\u201d).",
                                  "节点{node!n}中有一句话长达 {units:.0f} 个字，电话里很难听清（“{excerpt}…”）。"),
    "sentence_too_long.words": _T("A sentence in {node!n} runs to {units:.0f} words: hard to follow by ear "
                                  "(\u201c{excerpt}\u2026\u201d).",
                                  "节点{node!n}中有一句话长达 {units:.0f} 个词，电话里很难听清（“{excerpt}…”）。"),
    "tts_long_number": _T("Node {node!n} contains a long digit string; TTS reads it as one huge number.",
                          "节点{node!n}中有一长串数字，语音合成会把它读成一个很大的数。"),
    "tts_phone_variable": _T("Variable {var!q} looks like a phone number but has type {type!q}, so it would be "
                             "read as an amount.",
                             "变量{var!q}看起来是电话号码，但类型是{type!w}，会被当成数值来读。"),
    "tts_amount_unit": _T("${{{var}}} in {node!n} looks like money but has type {type!q} and no unit follows it; "
                          "the customer hears a bare number.",
                          "节点{node!n}中的 ${{{var}}} 看起来是金额，但类型是{type!w}，后面也没有单位，客户只会听到一个数字。"),
    "optional_variable_in_prompt": _T("Node {node!n} says ${{{var}}}, but {var!q} is optional and has no default: on a "
                                      "call without it the customer hears {heard!q}.",
                                      "节点{node!n}的话术用到了${{{var}}}，但变量{var!q}不是必填，也没有默认值："
                                      "外呼时缺少它，客户会听到{heard!q}。"),
    "tts_date_variable": _T("${{{var}}} in {node!n} looks like a date but has type {type!q}; '2026-11-15' read "
                            "aloud is hard to follow.",
                            "节点{node!n}中的 ${{{var}}} 看起来是日期，但类型是{type!w}；“2026-11-15”直接读出来很难听懂。"),
    "tts_abbreviation": _T("Node {node!n} contains {words:plain_list}; a Chinese voice may spell it oddly.",
                           "节点{node!n}中有英文缩写 {words:plain_list}，中文语音可能读得很别扭。"),
    "mixed_language": _T("Node {node!n} has Chinese characters in an English script; the voice cannot say them.",
                         "节点{node!n}在英文话术中夹杂了中文，英文语音读不出来。"),
    # --- QA: compliance ---------------------------------------------------------------------
    "forbidden_word": _T("Node {node!n} says {words:list}: an absolute or forbidden marketing claim.",
                         "节点{node!n}中出现了{words:list}，属于绝对化或禁止使用的营销用语。"),
    "no_caller_identification": _T("The opening prompt ({node!n}) does not say who is calling.",
                                   "开场白（{node!n}）没有说明来电方身份。"),
    "no_automated_voice_disclosure": _T("The opening prompt ({node!n}) does not say that the caller is an automated "
                                        "(AI) voice, which the task's region policy requires.",
                                        "开场白（{node!n}）没有告知对方这是智能语音（机器人）来电，而任务的地区政策要求告知。"),
    "opt_out_not_ending.branch": _T("After the customer opts out (branch {branch!q} of {node!n}) the call does not go "
                                    "straight to an end: it would keep talking to someone who asked to be left alone.",
                                    "客户拒绝来电后（节点{node!n}的分支{branch!q}），通话没有直接结束，"
                                    "还会继续打扰已明确拒绝的客户。"),
    "opt_out_not_ending.handler": _T("After the customer opts out (global handler {branch!q}) the call does not go "
                                     "straight to an end: it would keep talking to someone who asked to be left alone.",
                                     "客户拒绝来电后（全局处理{branch!q}），通话没有直接结束，还会继续打扰已明确拒绝的客户。"),
    "opt_out_not_marked.branch": _T("The opt-out path (branch {branch!q} of {node!n}) does not mark the number, so "
                                    "it would be called again.",
                                    "拒绝来电的路径（节点{node!n}的分支{branch!q}）没有标记这个号码，之后还会再打给客户。"),
    "opt_out_not_marked.handler": _T("The opt-out path (global handler {branch!q}) does not mark the number, so it "
                                     "would be called again.",
                                     "拒绝来电的路径（全局处理{branch!q}）没有标记这个号码，之后还会再打给客户。"),
    # --- QA: flow and settings --------------------------------------------------------------
    "long_path_to_success": _T("Reaching a success takes at least {turns} answers from the customer; few stay "
                               "that long.",
                               "客户至少要回答 {turns} 个问题才能办理成功，很少有人愿意听这么久。"),
    "too_many_branches": _T("Node {node!n} offers {width} different choices; on the phone people remember about "
                            "{limit} choices at most.",
                            "节点{node!n}给出了 {width} 种不同选择；电话里客户最多只记得住 {limit} 种左右。"),
    "silence_timeout_out_of_range": _T("The silence timeout of the script is {seconds:g} s; under {lo} s cuts people "
                                       "off, over {hi} s leaves dead air.",
                                       "话术的静默时间是 {seconds:g} 秒；少于 {lo} 秒会打断客户，超过 {hi} 秒会冷场。"),
    "silence_timeout_out_of_range.node": _T("The silence timeout of node {node!n} is {seconds:g} s; under {lo} s cuts "
                                            "people off, over {hi} s leaves dead air.",
                                            "节点{node!n}的静默时间是 {seconds:g} 秒；少于 {lo} 秒会打断客户，"
                                            "超过 {hi} 秒会冷场。"),
    "too_many_silences": _T("The call waits through {count} silences in a row before giving up.",
                            "客户连续沉默 {count} 次后通话才结束，等待太久。"),
    "dtmf_timeout_too_short": _T("The key-press timeout of the script is {seconds:g} s; people need time to find "
                                 "the key.",
                                 "话术的按键等待时间只有 {seconds:g} 秒，客户来不及找到按键。"),
    "dtmf_timeout_too_short.node": _T("The key-press timeout of node {node!n} is {seconds:g} s; people need time to "
                                      "find the key.",
                                      "节点{node!n}的按键等待时间只有 {seconds:g} 秒，客户来不及找到按键。"),
    # --- QA: robustness (the script test lab's attack) ------------------------------------------
    "low_recall": _T("Branch {branch!q} of {node!n} catches only {pct} % of {variants} realistic ways of saying its "
                     "answer (missed e.g. {example!q}).",
                     "节点{node!n}的分支{branch!q}只能识别 {variants} 种常见说法中的 {pct}%（例如没识别{example!q}）。"),
    "false_capture": _T("Branch {branch!q} of {node!n} takes {pct} % of the replies that mean something else "
                        "(e.g. {example!q}).",
                        "节点{node!n}的分支{branch!q}误捕了 {pct}% 意思不同的回答（例如{example!q}）。"),
}

# The codes validation reports (the rest of MESSAGES are QA's own).
VALIDATION_CODES: tuple[str, ...] = (
    "schema", "missing_start", "dangling_target", "duplicate_id", "unreachable_node", "dead_end",
    "missing_default", "no_path_to_end", "missing_silence_branch", "missing_no_match_branch", "unbounded_loop",
    "ambiguous_branch", "empty_prompt", "undefined_variable", "unknown_intent", "invalid_expr", "invalid_regex",
    "invalid_condition", "intent_rule_unknown_node", "intent_rule_unknown_tag", "intent_rule_unknown_outcome",
    "end_without_outcome", "outcome_without_intent_rule", "return_outside_handler",
)

# How to fix it: by message key, else by code.
SUGGESTIONS: dict[str, Text] = {
    "schema": _T("Fix the field at the given path so the file matches the huashu.script/1 format.",
                 "请按提示的位置修改该字段，使文件符合话术格式。"),
    "missing_start": _T("Set 'start' to the id of the opening node.", "请把开始节点设为实际存在的节点编号。"),
    "dangling_target": _T("Point the branch at an existing node, or create the missing node.",
                          "请把跳转指向已有的节点，或者补建缺少的节点。"),
    "duplicate_id": _T("Rename one of the two so every id is unique.", "请修改其中一个的编号，保证编号不重复。"),
    "unreachable_node": _T("Connect the node from a branch, or delete it.", "请从某个分支连到这个节点，或者删除它。"),
    "dead_end": _T("Add a 'next' (or a branch) so the call can go on, or make it an end node.",
                   "请设置“接着转到”（或添加分支）让通话继续，或者把它改成结束节点。"),
    "missing_default": _T("Add a 'default' target for when no condition holds.", "请设置“否则转到”，即所有条件都不满足时的去向。"),
    "no_path_to_end": _T("Make sure every path can reach an end node.", "请确保每条路径最终都能走到结束节点。"),
    "missing_silence_branch": _T("Add a branch for when the customer stays silent (or a global handler for it).",
                                 "请添加“静默”分支或全局静默处理。"),
    "missing_no_match_branch": _T("Add a branch for when the answer is not understood (or a global handler for it).",
                                  "请添加“未识别”分支或全局未识别处理。"),
    "unbounded_loop.handler": _T("Give the global handler max_times and an else_goto.",
                                 "请给这个全局处理设置“最多次数”和“超过后转到”。"),
    "unbounded_loop.no_else": _T("Give branch {branch!q} an else_goto, e.g. a polite goodbye, for when its "
                                 "{times} time(s) are used up.",
                                 "请给分支{branch!q}设置“超过后转到”，例如一个礼貌告别的结束节点，{times} 次用完后就走这里。"),
    "unbounded_loop.else_back": _T("Point the else_goto of branch {branch!q} out of the loop, e.g. to a polite goodbye.",
                                   "请把分支{branch!q}的“超过后转到”指向循环之外，例如一个礼貌告别的结束节点。"),
    "unbounded_loop.handler_no_else": _T("Give the global handler an else_goto, e.g. a polite goodbye, for when its "
                                         "{times} time(s) are used up.",
                                         "请给这个全局处理设置“超过后转到”，例如一个礼貌告别的结束节点，"
                                         "{times} 次用完后就走这里。"),
    "unbounded_loop": _T("Give the retry branch max_times and an else_goto that leaves the loop.",
                         "请给重试分支设置“最多次数”，以及离开循环的“超过后转到”。"),
    "ambiguous_branch": _T("Keep each keyword / key in one branch only.", "同一个关键词或按键只放在一个分支里。"),
    "ambiguous_branch.intent": _T("Remove the keyword from one of the two branches, or send both to the same place.",
                                  "请从其中一个分支删掉这个说法，或者让两个分支跳到同一个地方。"),
    "ambiguous_branch.handler": _T("Remove the keyword from the branch or from the global handler, or send both to "
                                   "the same place.",
                                   "请从分支或全局处理中删掉这个关键词，或者让两者跳到同一个地方。"),
    "ambiguous_branch.handler_intent": _T("Remove the keyword from the branch, or send it where the global handler "
                                          "goes.",
                                          "请从分支中删掉这个说法，或者让它跳到全局处理去的地方。"),
    "empty_prompt": _T("Write the text the bot says, or attach a recording.", "请填写机器人要说的话，或者上传录音。"),
    "undefined_variable": _T("Declare the variable in 'variables', or fix its name.",
                             "请在变量列表中声明这个变量，或者改正变量名。"),
    "unknown_intent": _T("Define the intent in 'intents', or use a built-in one.",
                         "请在意图列表中定义这个意图，或者改用内置意图。"),
    "invalid_expr": _T("Write the condition like: balance < 0 and vip == true.",
                       "条件的写法示例：balance < 0 and vip == true。"),
    "invalid_regex": _T("Fix the regular expression.", "请改正这个正则表达式。"),
    "invalid_condition": _T("Use 'expr' on condition nodes and answers (intent, keywords, dtmf...) elsewhere.",
                            "条件节点用条件表达式；其他节点用意图、关键词、按键等客户回答。"),
    "intent_rule_unknown_node": _T("Use an existing node id in the rule.", "请在规则中使用已有节点的编号。"),
    "intent_rule_unknown_tag": _T("Use a tag that a node or branch sets.", "请使用节点或分支会打上的标签。"),
    "intent_rule_unknown_outcome": _T("Use an outcome that an end node has.", "请使用结束节点实际设置的通话结果。"),
    "end_without_outcome": _T("Give the end node a short outcome label, e.g. 'recharged'.",
                              "请给结束节点设置一个简短的通话结果，例如“已充值”（recharged）。"),
    "outcome_without_intent_rule": _T("Add an intent rule for this outcome.", "请为这个通话结果添加一条意向规则。"),
    "return_outside_handler": _T("Use @return only on paths started by a global handler.",
                                 "“返回原问题”只能用在由全局处理开始的路径上。"),
    "no_opt_out_handler": _T("Add a global handler for the intent 'opt_out' (do not call me again), set to take priority over "
                             "the node's own branches, that goes to an end node tagged opt_out.",
                             "请添加优先生效的全局处理“拒绝来电”（opt_out），跳转到打了 opt_out 标签的结束节点。"),
    "no_complaint_handler": _T("Add a global handler for the intent 'complaint', set to take priority over the node's own "
                               "branches, e.g. to a transfer node.",
                               "请添加优先生效的全局处理“投诉”（complaint），例如转到人工坐席。"),
    "no_who_are_you_handler": _T("Add a global handler for the intent 'who_are_you' to a say node that introduces "
                                 "the caller and goes back to the question (@return).",
                                 "请添加全局处理“你是谁”（who_are_you），跳转到一个介绍来电方的播报节点，再返回原问题。"),
    "no_busy_later_handler": _T("Add a global handler for the intent 'busy_later' to a polite end node.",
                                "请添加全局处理“在忙”（busy_later），跳转到一个礼貌告别的结束节点。"),
    "no_answer_branches": _T("Add branches for the answers you expect (intents, keywords or keys).",
                             "请为预期的客户回答添加分支（意图、关键词或按键）。"),
    "missing_yes_no.no": _T("Add a branch for intent 'deny'.", "请添加“否定”（deny）意图的分支。"),
    "missing_yes_no.yes": _T("Add a branch for intent 'affirm'.", "请添加“肯定”（affirm）意图的分支。"),
    "no_success_outcome": _T("Give the end node for the wanted result an outcome and add an intent rule with "
                             "category 'success' for it.",
                             "请给代表办理成功的结束节点设置通话结果，并为它添加一条“成功”类的意向规则。"),
    "prompt_too_long": _T("Cut it below {limit:.0f} s, or split it over two nodes.",
                          "请精简到 {limit:.0f} 秒以内，或者拆成两个节点。"),
    "sentence_too_long.chars": _T("Keep spoken sentences under {limit} characters; one idea per sentence.",
                                  "每句话控制在 {limit} 个字以内，一句话只说一件事。"),
    "sentence_too_long.words": _T("Keep spoken sentences under {limit} words; one idea per sentence.",
                                  "每句话控制在 {limit} 个词以内，一句话只说一件事。"),
    "tts_long_number": _T("Write it out digit by digit (一零零八六 / 1 0 0 8 6) or use a variable of type phone.",
                          "请逐位写出（如“一零零八六”），或者改用电话号码类型的变量。"),
    "tts_phone_variable": _T("Declare {var!q} with type 'phone' so it is read digit by digit.",
                             "请把变量{var!q}的类型设为电话号码，这样会逐位读出。"),
    "tts_amount_unit": _T("Declare {var!q} with type 'amount' (the voice then says 元 / dollars), or write the unit "
                          "after it.",
                          "请把变量{var!q}的类型设为金额（语音会自动读出“元”），或者在它后面写上单位。"),
    "optional_variable_in_prompt": _T("Mark {var!q} required: true (then no call starts without it), or give it a "
                                      "default the bot says instead.",
                                      "请把变量{var!q}设为必填（缺少时不外呼），或者给它设置一个默认值，缺少时就读默认值。"),
    "tts_date_variable": _T("Declare {var!q} with type 'date' so it is read as a date.",
                            "请把变量{var!q}的类型设为日期，这样会按日期读出。"),
    "tts_abbreviation": _T("Write the Chinese name, or check the recording of it.",
                           "请改写成中文名称，或者试听确认读法。"),
    "mixed_language": _T("Translate the text or change the script language.", "请翻译这段文字，或者修改话术语言。"),
    "forbidden_word": _T("Describe the offer factually; drop promises and superlatives.",
                         "请如实介绍业务，删去承诺性和绝对化的用语。"),
    "no_caller_identification": _T("Start with the company and role, e.g. '您好，我是XX公司的客服' / "
                                   "'Hello, this is Anna calling from Acme'.",
                                   "开场先说明公司和身份，例如“您好，我是XX公司的客服”。"),
    "no_automated_voice_disclosure": _T("Say it in the first sentence, e.g. '您好，我是XX公司的智能语音助手' / "
                                        "'Hello, this is an automated assistant calling from Acme'.",
                                        "开场第一句说明是智能语音，例如“您好，我是XX公司的智能语音助手”。"),
    "opt_out_not_ending": _T("Point the opt-out branch at an end node (a short goodbye, no more questions).",
                             "请让拒绝来电分支直接跳到结束节点（简短告别，不再提问）。"),
    "opt_out_not_marked": _T("Tag the branch or its end node 'opt_out' (or give the end outcome 'opt_out').",
                             "请给该分支或它的结束节点打上 opt_out 标签（或把通话结果设为 opt_out）。"),
    "long_path_to_success": _T("Shorten the main path to {limit} questions or fewer.",
                               "请把主流程缩短到 {limit} 个问题以内。"),
    "too_many_branches": _T("Group the answers into fewer branches, or ask in two steps.",
                            "请把回答归并成更少的分支，或者分两步询问。"),
    "silence_timeout_out_of_range": _T("Use {lo}-{hi} s (5 s suits most questions).",
                                       "请设为 {lo}～{hi} 秒（大多数问题 5 秒合适）。"),
    "too_many_silences": _T("Give up after {limit} silences or fewer.", "请在连续沉默 {limit} 次以内结束通话。"),
    "dtmf_timeout_too_short": _T("Use at least {limit} s.", "请至少设为 {limit} 秒。"),
    "low_recall": _T("Add the phrases `huashu script attack` suggests (or the editor's Check tab offers) to the "
                     "branch's keywords or intent.",
                     "请把攻击测试（编辑器“检查”页或命令行 attack）建议的说法加到该分支的关键词或意图里。"),
    "false_capture": _T("Replace the short keyword that hears the opposite by longer phrases, or put the opposite "
                        "answer's branch before it.",
                        "请把会误捕相反意思的短关键词换成更长的说法，或把相反回答的分支放在它前面。"),
}


def _params(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> dict[str, Any]:
    return dict(params.items() if isinstance(params, Mapping) else params)


def render(key: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]], lang: str = "en",
           titles: Mapping[str, str] | None = None) -> str:
    """The sentence for message ``key`` with ``params`` filled in; ``titles`` maps node ids to the titles
    shown in Chinese. An unknown key is a programming error and raises ``KeyError``."""
    return _Formatter(lang, titles or {}).format(MESSAGES[key].get(lang), **_params(params))


def suggestion(key: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]], lang: str = "en",
               titles: Mapping[str, str] | None = None) -> str:
    """How to fix it (by message key, else by its code); empty when the catalogue has nothing."""
    text = SUGGESTIONS.get(key) or SUGGESTIONS.get(code_of(key))
    if text is None:
        return ""
    return _Formatter(lang, titles or {}).format(text.get(lang), **_params(params))
