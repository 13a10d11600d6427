"""The pick rule (same city > same province > same operator > any), round-robin spreading, caps
and rests skipped and named — the pure picker and the region lookup it stands on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from runtime.campaigns.callerid.picker import Picker, PoolNumber
from runtime.campaigns.callerid.regions import region_of

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
CHANGZHOU_MOBILE = "+8613912345678"  # 江苏常州 中国移动
XUZHOU_MOBILE = "+8615150001234"  # 江苏徐州 中国移动
BEIJING_MOBILE = "+8613800138000"  # 北京 中国移动
BEIJING_UNICOM = "+8618612345678"  # 北京 中国联通
GUANGZHOU_FIXED = "+862088881234"  # 广东广州 fixed line, no operator


def _pool(*numbers: str, cap: int = 100) -> Picker:
    return Picker([PoolNumber(i + 1, n, region_of(n), cap) for i, n in enumerate(numbers)])


@pytest.mark.offline
def test_region_of_reads_province_city_and_operator_from_phonenumbers_data() -> None:
    r = region_of(CHANGZHOU_MOBILE)
    assert (r.province, r.city, r.operator, r.label, r.operator_label) == (
        "Jiangsu", "Changzhou", "China Mobile", "江苏省常州市", "中国移动")
    assert region_of(BEIJING_UNICOM).operator == "China Unicom"
    assert region_of(GUANGZHOU_FIXED).city == "Guangzhou" and region_of(GUANGZHOU_FIXED).operator == ""
    assert region_of("+12025550100").operator == ""


@pytest.mark.offline
def test_city_beats_province_beats_operator_beats_any() -> None:
    p = _pool(GUANGZHOU_FIXED, BEIJING_UNICOM, XUZHOU_MOBILE, CHANGZHOU_MOBILE)
    assert (p.pick("+8613912340000", NOW).caller_id, p.pick("+8613912340000", NOW).rule) == (CHANGZHOU_MOBILE, "city")
    p = _pool(GUANGZHOU_FIXED, BEIJING_UNICOM, XUZHOU_MOBILE)
    got = p.pick("+8613912340000", NOW)  # Changzhou callee, a Xuzhou number: same province
    assert (got.caller_id, got.rule) == (XUZHOU_MOBILE, "province")
    got = _pool(GUANGZHOU_FIXED, BEIJING_UNICOM, BEIJING_MOBILE).pick("+8613912340000", NOW)
    assert (got.caller_id, got.rule) == (BEIJING_MOBILE, "operator")
    got = _pool(GUANGZHOU_FIXED).pick("+8613912340000", NOW)
    assert (got.caller_id, got.rule) == (GUANGZHOU_FIXED, "any")
    assert got.callee.city == "Changzhou" and got.caller is not None and got.caller.city == "Guangzhou"


@pytest.mark.offline
def test_load_spreads_round_robin_within_the_best_tier() -> None:
    locals_ = [f"+861391234{i:04d}" for i in range(4)]  # four Changzhou numbers
    p = _pool(*locals_, BEIJING_MOBILE)
    used = Counter(p.pick("+8613912340000", NOW).caller_id for _ in range(40))
    assert used == {n: 10 for n in locals_}


@pytest.mark.offline
def test_capped_and_rested_numbers_are_skipped_and_named() -> None:
    p = _pool(CHANGZHOU_MOBILE, XUZHOU_MOBILE, BEIJING_MOBILE, cap=2)
    p.numbers[1].rested_until = NOW + timedelta(hours=3)
    first = [p.pick("+8613912340000", NOW, explain=True) for _ in range(3)]
    assert [x.rule for x in first] == ["city", "city", "operator"]  # Xuzhou rests, Changzhou's cap is 2
    assert first[2].skipped_capped == (CHANGZHOU_MOBILE,) and first[2].skipped_rested == (XUZHOU_MOBILE,)
    p.pick("+8613912340000", NOW)
    none = p.pick("+8613912340000", NOW, explain=True)
    assert none.caller_id is None and none.rule == "none"
    # the rest ends: the number is back
    back = p.pick("+8613912340000", NOW + timedelta(hours=4))
    assert (back.caller_id, back.rule) == (XUZHOU_MOBILE, "province")


@pytest.mark.offline
def test_pick_as_dict_is_the_cli_json_shape() -> None:
    d = _pool(CHANGZHOU_MOBILE).pick("+8613912340000", NOW).as_dict()
    assert set(d) == {"caller_id", "rule", "callee_region", "caller_region", "skipped_capped", "skipped_rested"}
    assert d["callee_region"]["label"] == "江苏省常州市"


@pytest.mark.offline
def test_fast_region_lookup_agrees_with_the_plain_longest_prefix_walk() -> None:
    import random

    from runtime.audience.synth import MOBILE_PREFIXES
    from runtime.campaigns.callerid.regions import _GEO, _GEO_LONGEST, _geo, _longest

    rng = random.Random(5)
    numbers = [f"86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}" for _ in range(5000)]
    for key in [n[:9] for n in numbers] + ["862088881", "867551234", "120255501", "441632960"]:
        assert _geo(key) == (_longest(_GEO, key, _GEO_LONGEST) or {}), key
