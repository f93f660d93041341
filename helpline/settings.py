"""Every setting the helpline reads from its environment, read once, here.

A bad value stops start-up with one line that names the setting and the fix
(`SettingsError`); the CLI prints that line and exits 1, never a traceback.

Secrets that a fresh checkout does not have (`SECRET_KEY`, `HELPLINE_PII_KEY`,
and the local stand-in's Twilio credentials) are generated into the instance
folder on first use, mode 0600, so `make run` works with no setup and nothing
secret is ever committed.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
DEMO_CONFIG = Path(__file__).resolve().parent / "demo_config.yaml"
DEFAULT_MODEL_CACHE = Path.home() / ".cache" / "helpline" / "models"

# The account SID the local stand-in uses when none is given; it is not a real account.
LOCAL_ACCOUNT_SID = "AC" + "0" * 31 + "1"
# Where the helpline's day is: shift rotas, "tomorrow at 08:00", the wallboard's today.
DEFAULT_TIMEZONE = "Asia/Bangkok"


class SettingsError(Exception):
    """A setting is missing or invalid. `str()` is the one line shown to the operator."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        self.setting = setting
        super().__init__(f"{setting}: {problem} — {fix}")


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    pii_key: bytes
    config_path: Path
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_api_base: str | None
    public_base_url: str | None
    recordings_dir: Path
    vosk_models: dict[str, Path] = field(default_factory=dict)
    port: int = 5000
    # Browser softphone (Twilio Voice JS SDK) in production; optional, unused locally.
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    # Older PII keys, listed after the newest in HELPLINE_PII_KEY: they still decrypt
    # and find callers until `helpline pii rotate` has moved everything off them.
    pii_retired_keys: tuple[bytes, ...] = ()
    # Secrets of the Twilio SharedKeys that sign webhooks matched by a Webhooks Rule
    # (those carry X-Twilio-Webhooks-Signature-Settings); two while a key rotates.
    twilio_webhook_shared_key_secrets: tuple[str, ...] = ()
    # Observability (helpline.observability): the bearer token /metrics asks for (unset:
    # answered on loopback only), and how each process writes its log lines.
    metrics_token: str | None = None
    log_format: str = "text"
    log_level: str = "INFO"
    # Where speech models assembled from packages are kept (Whisper base's two halves
    # joined into one model.bin): shared by every process and instance on the machine.
    model_cache_dir: Path = field(default_factory=lambda: DEFAULT_MODEL_CACHE)
    # How many reverse proxies in front of the web process to believe: their
    # X-Forwarded-For/-Proto/-Host/-Port/-Prefix give the client's address (login
    # throttle) and the public URL (Twilio signatures). 0: no proxy trusted.
    trusted_proxy_hops: int = 0

    @property
    def uses_local_twilio(self) -> bool:
        return self.twilio_api_base is not None


def load_settings(
    environ: Mapping[str, str] | None = None, instance_dir: Path | None = None
) -> Settings:
    env = dict(os.environ if environ is None else environ)
    instance = Path(env.get("HELPLINE_INSTANCE_DIR") or instance_dir or DEFAULT_INSTANCE_DIR)
    # Secrets, the database and Twilio's copies of recordings live here: owner only.
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    if instance.stat().st_mode & 0o077 and instance.stat().st_uid == os.getuid():
        instance.chmod(0o700)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'helpline.sqlite3'}"
    _check_database_url(database_url)

    redis_url = env.get("REDIS_URL") or None
    if redis_url is not None:
        _check_url("REDIS_URL", redis_url, {"redis", "rediss", "unix"},
                   "use redis://HOST:PORT/DB, or unset it to use the embedded Redis")

    secret_key = env.get("SECRET_KEY") or _instance_secret(instance / "secret_key", _new_token)
    if len(secret_key) < 16:
        raise SettingsError("SECRET_KEY", "is shorter than 16 characters",
                            "set a long random value, or unset it to generate one")

    pii_raw = env.get("HELPLINE_PII_KEY") or _instance_secret(instance / "pii_key", _new_pii_key)
    pii_key, *pii_retired_keys = _decode_pii_keys(pii_raw)

    config_path = Path(env.get("HELPLINE_CONFIG") or DEMO_CONFIG)
    if not config_path.is_file():
        raise SettingsError("HELPLINE_CONFIG", f"no file at {config_path}",
                            "point it at the helpline's YAML file, or unset it for the demo file")

    api_base = env.get("TWILIO_API_BASE") or None
    if api_base is not None:
        _check_url("TWILIO_API_BASE", api_base, {"http", "https"},
                   "use the local stand-in's URL, e.g. http://127.0.0.1:5050, or unset it")
        api_base = api_base.rstrip("/")
    account_sid = env.get("TWILIO_ACCOUNT_SID") or ""
    auth_token = env.get("TWILIO_AUTH_TOKEN") or ""
    if api_base is None:
        if not account_sid and not auth_token:
            # Nothing configured at all: a local or test stack that only receives
            # signed webhooks from the stand-in. A real deployment sets both.
            account_sid = LOCAL_ACCOUNT_SID
            auth_token = _instance_secret(instance / "twilio_auth_token", _new_hex_token)
        elif not account_sid:
            raise SettingsError("TWILIO_ACCOUNT_SID", "is not set but TWILIO_AUTH_TOKEN is",
                                "set it to your account SID (AC...) from the Twilio console")
        elif not auth_token:
            raise SettingsError("TWILIO_AUTH_TOKEN", "is not set but TWILIO_ACCOUNT_SID is",
                                "set it to the auth token from the Twilio console")
    else:
        account_sid = account_sid or LOCAL_ACCOUNT_SID
        auth_token = auth_token or _instance_secret(instance / "twilio_auth_token",
                                                    _new_hex_token)
    if not (account_sid.startswith("AC") and len(account_sid) == 34):
        raise SettingsError("TWILIO_ACCOUNT_SID", f"{account_sid!r} is not an account SID",
                            "it starts with AC and has 34 characters")

    public_base_url = env.get("PUBLIC_BASE_URL") or None
    if public_base_url is not None:
        _check_url("PUBLIC_BASE_URL", public_base_url, {"http", "https"},
                   "set the https:// address Twilio reaches this server at")
        public_base_url = public_base_url.rstrip("/")
    if api_base is None and account_sid != LOCAL_ACCOUNT_SID:
        _check_public_url_for_twilio(public_base_url)

    recordings_dir = Path(env.get("RECORDINGS_DIR") or instance / "recordings")

    return Settings(
        instance_dir=instance,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        pii_key=pii_key,
        pii_retired_keys=tuple(pii_retired_keys),
        config_path=config_path,
        twilio_account_sid=account_sid,
        twilio_auth_token=auth_token,
        twilio_api_base=api_base,
        public_base_url=public_base_url,
        recordings_dir=recordings_dir,
        vosk_models=_parse_vosk_models(env.get("VOSK_MODELS", "")),
        port=_parse_port(env.get("PORT", "5000")),
        twilio_api_key_sid=_optional_sid(env, "TWILIO_API_KEY_SID", "SK"),
        twilio_api_key_secret=env.get("TWILIO_API_KEY_SECRET") or None,
        twilio_twiml_app_sid=_optional_sid(env, "TWILIO_TWIML_APP_SID", "AP"),
        timezone=_parse_timezone(env.get("HELPLINE_TIMEZONE") or DEFAULT_TIMEZONE),
        twilio_webhook_shared_key_secrets=_parse_shared_key_secrets(
            env.get("TWILIO_WEBHOOK_SHARED_KEY_SECRETS", "")),
        metrics_token=_parse_metrics_token(env.get("METRICS_TOKEN") or None),
        log_format=_parse_choice(env, "LOG_FORMAT", LOG_FORMATS, "text"),
        log_level=_parse_choice(env, "LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
        model_cache_dir=Path(env.get("HELPLINE_MODEL_CACHE") or DEFAULT_MODEL_CACHE),
        trusted_proxy_hops=_parse_proxy_hops(env.get("TRUSTED_PROXY_HOPS") or "0"),
    )


def _parse_proxy_hops(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 5:
        raise SettingsError("TRUSTED_PROXY_HOPS", f"{raw!r} is not a number of proxies 0-5",
                            "set how many reverse proxies stand in front of the web process "
                            "(1 for one nginx), or 0 when clients reach it directly")
    return int(raw)


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _parse_choice(env: Mapping[str, str], setting: str, choices: tuple[str, ...],
                  default: str, upper: bool = False) -> str:
    raw = env.get(setting) or default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise SettingsError(setting, f"{raw!r} is not one of {', '.join(choices)}",
                            f"set one of them, or unset it for {default}")
    return value


def _parse_metrics_token(token: str | None) -> str | None:
    if token is not None and len(token) < 16:
        raise SettingsError("METRICS_TOKEN", "is shorter than 16 characters",
                            "set a long random value (your scraper sends it as a bearer "
                            "token), or unset it to allow scrapes from this machine only")
    return token


def _check_public_url_for_twilio(public_base_url: str | None) -> None:
    """Real Twilio fetches every bridge, transfer, interpreter and callback URL from
    this address (an agent's console request says nothing about what Twilio can
    reach), and signs it: it must be set, and https."""
    if public_base_url is None or not public_base_url.startswith("https://"):
        problem = ("is not set" if public_base_url is None
                   else f"{public_base_url!r} is not an https:// address")
        raise SettingsError("PUBLIC_BASE_URL", f"{problem}, but TWILIO_ACCOUNT_SID is a real "
                            "Twilio account",
                            "set the https:// address Twilio reaches this server at, e.g. "
                            "https://helpline.example.org (or set TWILIO_API_BASE to use "
                            "the local stand-in)")


def _parse_shared_key_secrets(raw: str) -> tuple[str, ...]:
    secrets_ = tuple(part.strip() for part in raw.split(",") if part.strip())
    if any(len(secret) < 16 or " " in secret for secret in secrets_):
        raise SettingsError("TWILIO_WEBHOOK_SHARED_KEY_SECRETS",
                            "holds a secret shorter than 16 characters or with a space",
                            "paste the secret Twilio returned when the SharedKey was created "
                            "(two, comma-separated, while a key rotates), or unset it")
    return secrets_


def _parse_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingsError("HELPLINE_TIMEZONE", f"{name!r} is not a time zone",
                            "use an IANA name such as Asia/Bangkok or Asia/Kuala_Lumpur, "
                            "or unset it for Asia/Bangkok") from None
    return name


def _optional_sid(env: Mapping[str, str], setting: str, prefix: str) -> str | None:
    value = env.get(setting) or None
    if value is not None and not (value.startswith(prefix) and len(value) == 34):
        raise SettingsError(setting, f"{value!r} is not a {prefix}... SID",
                            f"it starts with {prefix} and has 34 characters, or unset it")
    return value


def _check_database_url(url: str) -> None:
    scheme = urlparse(url).scheme.split("+")[0]
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        raise SettingsError("DATABASE_URL", f"unsupported database {scheme!r}",
                            "use postgresql://USER@HOST/DB, or unset it for the SQLite default")


def _check_url(setting: str, url: str, schemes: set[str], fix: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise SettingsError(setting, f"{url!r} is not a valid URL", fix)


def _parse_port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError("PORT", f"{raw!r} is not a port number", "use a number 1-65535")
    return int(raw)


def _parse_vosk_models(raw: str) -> dict[str, Path]:
    models: dict[str, Path] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        language, sep, path = item.partition("=")
        if not sep or not language or not path:
            raise SettingsError("VOSK_MODELS", f"{item!r} is not language=path",
                                "write it as ko=/models/vosk-ko,my=/models/vosk-my")
        if not Path(path).is_dir():
            raise SettingsError("VOSK_MODELS", f"model folder for {language!r} not found: {path}",
                                "unpack the Vosk model there or correct the path")
        models[language.strip()] = Path(path)
    return models


def _decode_pii_keys(raw: str) -> list[bytes]:
    """`NEW[,OLD...]`: the newest key first, then keys being rotated out."""
    keys = [_decode_pii_key(part.strip()) for part in raw.split(",") if part.strip()]
    if not keys:
        keys = [_decode_pii_key("")]
    return keys


def _decode_pii_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise SettingsError("HELPLINE_PII_KEY", "is not 32 bytes in url-safe base64",
                            "generate one with `python -c \"import base64,os;"
                            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"`")
    return key


def _instance_secret(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    value = make()
    # O_EXCL: two processes starting together must agree on one secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_written_secret(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _read_written_secret(path: Path, wait_seconds: float = 5.0) -> str:
    """The secret another process has just created: it may not have written it yet."""
    deadline = time.monotonic() + wait_seconds
    while True:
        value = path.read_text().strip()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def _new_token() -> str:
    return secrets.token_urlsafe(48)


def _new_hex_token() -> str:
    return secrets.token_hex(16)


def _new_pii_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
