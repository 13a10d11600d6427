"""Configuration: defaults, then a TOML file, then ``HUASHU_*`` environment variables.

The file is ``$HUASHU_CONFIG`` if set, else ``./huashu.toml`` if present. Nested keys use
``__`` in the environment (``HUASHU_SPEECH__VOSK_MODEL=/models/vosk-cn``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from huashu.core.telephony_settings import FreeswitchSettings, SipSettings

__all__ = ["Settings", "SpeechSettings", "RecordingSettings", "UploadSettings", "SmsSettings", "get_settings",
           "config_file"]


def config_file() -> Path | None:
    env = os.environ.get("HUASHU_CONFIG")
    if env:
        return Path(env)
    p = Path("huashu.toml")
    return p if p.is_file() else None


class SpeechSettings(BaseModel):
    tts_provider: str = "auto"  # auto | edge | kokoro | espeak | piper
    tts_fallbacks: list[str] = Field(default_factory=lambda: ["espeak", "piper"])
    vosk_model: str | None = None
    whisper_model_dir: str | None = None
    asr_provider: str = "auto"  # auto | vosk | whisper | http
    asr_http_url: str | None = None


class RecordingSettings(BaseModel):
    """Call recordings (both parties, stereo WAV): where they go, how many, how long they stay.

    ``s3_endpoint`` + ``s3_bucket`` switch the store to an S3-compatible bucket (recordings
    are spooled locally and uploaded when the call ends). ``sample`` records that share of
    answered calls, chosen by call id so every node agrees (QA teams often record a sample).
    """

    enabled: bool = True  # HUASHU_RECORDINGS__ENABLED
    dir: Path | None = None  # default: <data_dir>/call-recordings
    sample: float = Field(1.0, ge=0.0, le=1.0)
    retention_days: int | None = Field(180, ge=0)  # None: keep for ever
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str = "recordings/"


class UploadSettings(BaseModel):
    """Limits on reading an uploaded list (CSV/XLSX): rows, cells, and how far an XLSX may expand
    (each part uncompressed, and all together; shared strings get a quarter). See
    :mod:`runtime.campaigns.upload_limits`."""

    max_rows: int = Field(1_000_000, ge=1)  # HUASHU_UPLOADS__MAX_ROWS
    max_expanded_mb: int = Field(200, ge=1)  # HUASHU_UPLOADS__MAX_EXPANDED_MB
    max_cells: int = Field(5_000_000, ge=1)  # rows x columns; HUASHU_UPLOADS__MAX_CELLS


class AnswerSettings(BaseModel):
    """What answers a call (docs/answering.md): classify early media and the first seconds after
    answer. Off by default for live drivers (it holds the first prompt until the verdict)."""

    enabled: bool = False  # HUASHU_ANSWER__ENABLED=true
    recogniser: str = "templates"  # templates | whisper | none
    tables: list[str] = Field(default_factory=lambda: ["zh", "en"])  # built-in languages or JSON files
    on_machine: str = "hangup"  # hangup | message
    message: str = ""  # left on a voicemail box when on_machine = "message"
    screener_text: str = ""  # said to a call screener (the caller's name and purpose)


class SmsSettings(BaseModel):
    """SMS follow-up gateway (``HUASHU_SMS__PROVIDER=kannel``, ...): none sends nothing (messages stay queued).

    ``dlr_host``/``dlr_port``: where the runtime node listens for delivery reports;
    ``dlr_public_url``: how the gateway reaches that listener (default ``http://dlr_host:dlr_port/sms/dlr``).
    """

    provider: str = "none"  # none | kannel | http
    kannel_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    kannel_username: str = ""
    kannel_password: str = ""
    sender: str = ""
    http_url: str = ""
    http_token: str = ""
    dlr_host: str = "127.0.0.1"
    dlr_port: int = Field(0, ge=0, le=65535)  # 0: no listener
    dlr_public_url: str | None = None


class RetentionSettings(BaseModel):
    """How long personal data stays (days; None keeps it for ever), enforced by the runtime's
    housekeeping (:mod:`runtime.privacy.retention`). Recordings: ``recordings.retention_days``."""

    call_records_days: int | None = Field(365, ge=1)  # call attempts deleted (with their transcripts)
    transcripts_days: int | None = Field(90, ge=1)  # transcripts / engine records cleared from calls
    customer_rows_days: int | None = Field(180, ge=1)  # finished queue rows anonymised (number, name, variables)
    uploads_days: int | None = Field(30, ge=1)  # files under <data_dir>/uploads deleted
    every_s: float = Field(3600.0, gt=0)  # how often a runtime node runs it


class Settings(BaseSettings):
    """Everything a deployment may change. Sane defaults run the embedded demo with nothing set."""

    model_config = SettingsConfigDict(env_prefix="HUASHU_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path(os.environ.get("HUASHU_DATA_DIR", "var"))
    database_url: str | None = None  # default: SQLite file in data_dir
    secret_key: str | None = None  # default: generated once into data_dir/secret.key
    host: str = "127.0.0.1"
    port: int = 8000
    phone_region: str = "CN"
    dedupe_days: int = 30
    telephony_driver: str = "simulator"  # simulator | sip | freeswitch
    forbidden_words: list[str] = Field(default_factory=list)
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    recordings: RecordingSettings = Field(default_factory=RecordingSettings)  # HUASHU_RECORDINGS__SAMPLE, ...
    sip: SipSettings = Field(default_factory=SipSettings)  # HUASHU_SIP__HOST, ...
    freeswitch: FreeswitchSettings = Field(default_factory=FreeswitchSettings)  # HUASHU_FREESWITCH__HOST, ...
    uploads: UploadSettings = Field(default_factory=UploadSettings)  # HUASHU_UPLOADS__MAX_ROWS, ...
    answer: AnswerSettings = Field(default_factory=AnswerSettings)  # HUASHU_ANSWER__ENABLED, ...
    sms: SmsSettings = Field(default_factory=SmsSettings)  # HUASHU_SMS__PROVIDER, ...
    retention: RetentionSettings = Field(default_factory=RetentionSettings)  # HUASHU_RETENTION__TRANSCRIPTS_DAYS, ...

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'huashu.db').resolve()}"

    def ensure_dirs(self) -> None:
        from huashu.core.private_files import private_dir

        private_dir(self.data_dir)  # 0700: the database, the key and customer files live here


@cache
def get_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
