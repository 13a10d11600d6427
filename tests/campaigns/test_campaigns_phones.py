from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.campaigns.phones import _slow, national_checker, normalize, number_timezone


def test_national_and_e164_normalise_to_the_same_number():
    assert normalize("138 1234 5678").e164 == "+8613812345678"
    assert normalize("+86 138-1234-5678").e164 == "+8613812345678"
    assert normalize("008613812345678").e164 == "+8613812345678"
    assert normalize("010 6234 5678").e164 == "+861062345678"
    assert normalize(13812345678.0).e164 == "+8613812345678"


def test_rejections_say_why():
    assert normalize("").reason == "empty"
    assert normalize(None).reason == "empty"
    r = normalize("hello")
    assert r.reason == "bad_format" and "'hello'" in (r.message or "")
    assert normalize("12345").reason == "invalid_number"
    assert normalize("13812345678", fmt="e164").reason == "wrong_format"
    assert normalize("+8613812345678", fmt="national").reason == "wrong_format"
    assert normalize("+8613812345678", fmt="e164").ok


def test_other_regions():
    assert normalize("(212) 555-1234", "US").e164 == "+12125551234"
    assert normalize("(212) 055-1234", "US").reason == "invalid_number"
    assert normalize("2015550123", "US").e164 == "+12015550123"
    assert normalize("12015550123", "US").e164 == "+12015550123"  # national prefix 1 goes the slow path


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=16), st.sampled_from(["CN", "US", "GB", "DE"]))
def test_fast_path_agrees_with_phonenumbers(digits, region):
    fast = normalize(digits, region)
    slow = _slow(digits, region)
    assert fast.e164 == slow.e164


_PREFIXES = ["130", "138", "139", "147", "150", "166", "170", "186", "199", "010", "021", "0755", "400", "800",
             "95", "1", "86", "0086", "2", "212", "7", "44", "49", "0"]


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(_PREFIXES), st.text(alphabet="0123456789", min_size=0, max_size=12),
       st.sampled_from(["CN", "US", "GB", "DE"]), st.sampled_from(["any", "national", "e164"]))
def test_the_list_shortcut_agrees_with_normalize(prefix, rest, region, fmt):
    """``national_checker`` answers for a plain national number only, and then as ``normalize`` does."""
    digits = prefix + rest
    quick = national_checker(region, fmt)(digits)
    full = normalize(digits, region, fmt)
    assert quick is None or quick == full.e164
    if region == "CN" and fmt != "e164" and full.ok and len(digits) == 11 and digits[:2] in ("13", "15", "18", "19"):
        assert quick == full.e164  # the common row of a list takes the shortcut


def test_full_width_digits_are_read():
    assert normalize("１３８１２３４５６７８").e164 == "+8613812345678"
    assert normalize("１３８ １２３４ ５６７８").e164 == "+8613812345678"
    assert national_checker("CN")("１３８１２３４５６７８") is None  # left to normalize, which reads it
    assert national_checker("CN")("13812345678") == "+8613812345678"
    assert national_checker("CN", "e164")("13812345678") is None


def test_time_zone_from_number():
    assert number_timezone("+8613812345678", "UTC") == "Asia/Shanghai"
    assert number_timezone("+12125551234", "UTC") == "America/New_York"
    assert number_timezone("+999", "Europe/Berlin") == "Europe/Berlin"
    assert phonenumbers.is_valid_number(phonenumbers.parse("+8613812345678"))
