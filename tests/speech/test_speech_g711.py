"""G.711 codecs: exact reference values, agreement with the ITU algorithm, round-trip error bounds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

ALL = np.arange(-32768, 32768, dtype="<i2").tobytes()


def _pcm(*values: int) -> bytes:
    return np.array(values, dtype="<i2").tobytes()


def _ints(b: bytes) -> list[int]:
    return np.frombuffer(b, dtype="<i2").tolist()


def test_ulaw_known_values() -> None:
    # G.711 table: 0 -> 0xFF, full-scale positive -> 0x80, full-scale negative -> 0x00
    assert ulaw_encode(_pcm(0, 32767, -32768, -1)) == bytes([0xFF, 0x80, 0x00, 0x7E])
    assert _ints(ulaw_decode(bytes([0xFF, 0x7F, 0x80, 0x00, 0xF0]))) == [0, 0, 32124, -32124, 120]


def test_alaw_known_values() -> None:
    assert alaw_encode(_pcm(0, 32767, -32768)) == bytes([0xD5, 0xAA, 0x2A])
    assert _ints(alaw_decode(bytes([0xD5, 0x55, 0xAA, 0x2A]))) == [8, -8, 32256, -32256]


@pytest.mark.parametrize("enc,dec", [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)])
def test_decode_encode_is_identity_on_code_words(enc, dec) -> None:
    codes = bytes(range(256))
    again = enc(dec(codes))
    # mu-law has two zeros (0x7F, 0xFF); every other code word survives unchanged
    assert [c for c, d in zip(codes, again, strict=True) if c != d] in ([], [0x7F])


@pytest.mark.parametrize("enc,dec", [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)])
def test_round_trip_error_is_within_half_a_step(enc, dec) -> None:
    x = np.frombuffer(ALL, dtype="<i2").astype(np.int32)
    y = np.frombuffer(dec(enc(ALL)), dtype="<i2").astype(np.int32)
    err = np.abs(x - y)
    mag = np.abs(x)
    # log companding: error grows with magnitude, ~1/32 of the segment's range; small values are near exact
    assert err[mag < 32].max() <= 8
    assert (err[mag >= 256] <= mag[mag >= 256] / 16 + 16).all()
    assert np.all(np.diff(np.frombuffer(dec(enc(ALL)), dtype="<i2").astype(np.int32)) >= 0)  # monotone


def test_matches_legacy_audioop_everywhere() -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioop
    except ImportError:
        pytest.skip("audioop is gone (Python >= 3.13): the reference comparison needs Python 3.11/3.12")
    assert ulaw_encode(ALL) == audioop.lin2ulaw(ALL, 2)
    assert alaw_encode(ALL) == audioop.lin2alaw(ALL, 2)
    codes = bytes(range(256))
    assert ulaw_decode(codes) == audioop.ulaw2lin(codes, 2)
    assert alaw_decode(codes) == audioop.alaw2lin(codes, 2)


def test_odd_byte_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        ulaw_encode(b"\x00\x01\x02")


@given(st.lists(st.integers(-32768, 32767), max_size=200))
def test_lengths(values: list[int]) -> None:
    pcm = _pcm(*values) if values else b""
    assert len(ulaw_encode(pcm)) == len(values) == len(alaw_encode(pcm))
    assert len(ulaw_decode(ulaw_encode(pcm))) == len(pcm)
