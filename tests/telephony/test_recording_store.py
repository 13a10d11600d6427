"""Stereo WAV recordings and the local store: layout, both channels, retention, crash recovery."""

from __future__ import annotations

import wave
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from telephony.recording import LocalRecordingStore, RecordingStoreError, StereoWavSink, recover_partial


def _frame(value: int) -> bytes:
    return np.full(160, value, dtype="<i2").tobytes()


def test_stereo_wav_left_customer_right_bot(tmp_path: Path) -> None:
    sink = StereoWavSink("c1", tmp_path / "c1.wav")
    for _ in range(50):
        sink.write(_frame(100), _frame(-200))
    info = sink.close()
    assert info.duration_ms == 1000 and info.channels == 2 and info.sample_rate == 8000
    with wave.open(str(info.path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, 8000, 8000)
        data = np.frombuffer(w.readframes(8000), dtype="<i2").reshape(-1, 2)
    assert (data[:, 0] == 100).all() and (data[:, 1] == -200).all()
    assert info.size_bytes == info.path.stat().st_size
    assert sink.close() is info  # closing twice is harmless


def test_unequal_lengths_are_padded_and_odd_bytes_rejected(tmp_path: Path) -> None:
    sink = StereoWavSink("c2", tmp_path / "c2.wav")
    sink.write(_frame(1), b"")
    with pytest.raises(ValueError, match="even"):
        sink.write(b"\x00", b"")
    info = sink.close()
    assert info.duration_ms == 20
    with pytest.raises(ValueError, match="closed"):
        sink.write(_frame(1), _frame(1))


def test_store_layout_by_date_and_lookup(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path)
    sink = store.open("call-7", started=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sink.write(_frame(5), _frame(6))
    info = sink.close()
    assert info.path == tmp_path / "2026" / "03" / "02" / "call-7.wav"
    assert store.path_for("call-7") == info.path
    assert store.open_read("call-7") == info.path
    assert store.path_for("nope") is None
    with pytest.raises(RecordingStoreError, match="nope"):
        store.open_read("nope")
    with pytest.raises(RecordingStoreError, match="already exists"):
        store.open("call-7")


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", ".hidden", "x" * 200, "a..b"])
def test_call_ids_cannot_escape_the_root(tmp_path: Path, bad: str) -> None:
    with pytest.raises(RecordingStoreError):
        LocalRecordingStore(tmp_path).open(bad)


def test_retention_deletes_whole_old_days_only(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path)
    for day, cid in ((1, "old1"), (1, "old2"), (20, "mid"), (30, "new")):
        s = store.open(cid, started=datetime(2026, 3, day, tzinfo=UTC))
        s.write(_frame(1), _frame(1))
        s.close()
    now = datetime(2026, 3, 31, tzinfo=UTC)
    assert store.delete_older_than(15, now=now) == 2
    assert store.path_for("old1") is None and store.path_for("old2") is None
    assert store.path_for("mid") is not None and store.path_for("new") is not None
    assert store.delete_older_than(15, now=now) == 0
    with pytest.raises(ValueError):
        store.delete_older_than(-1)


def test_interrupted_recording_is_recovered_with_its_frames(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path)
    sink = store.open("crash", started=datetime(2026, 3, 2, tzinfo=UTC))
    for i in range(25):
        sink.write(_frame(i), _frame(-i))
    assert isinstance(sink, StereoWavSink)
    sink._wav._file.flush()  # type: ignore[union-attr]  # what the OS has when the process dies
    assert store.path_for("crash") is None  # not published yet
    recovered = store.recover_partials()
    assert recovered == [tmp_path / "2026" / "03" / "02" / "crash.wav"]
    with wave.open(str(recovered[0])) as w:
        assert w.getnframes() == 25 * 160
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert data[-1, 0] == 24 and data[-1, 1] == -24


def test_recover_rejects_non_partials(tmp_path: Path) -> None:
    p = tmp_path / "x.wav"
    p.write_bytes(b"RIFF")
    with pytest.raises(ValueError, match="partial"):
        recover_partial(p)
    q = tmp_path / "y.wav.part"
    q.write_bytes(b"short")
    with pytest.raises(ValueError, match="header"):
        recover_partial(q)
