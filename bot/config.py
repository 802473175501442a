"""Runtime settings read from the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import SUPPORTED_LOCALES

DEFAULT_DB_URL = "sqlite+aiosqlite:///owners_club.db"
TELEGRAM_API = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the key."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    database_url: str = DEFAULT_DB_URL
    store_code: str = "main"
    store_name: str = "Owners Club"
    store_timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_Hans"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    staff_chat_id: int | None = None
    policy_file: Path | None = None
    bot_api_base_url: str = TELEGRAM_API
    bot_api_file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    log_level: str = "INFO"
    sender_id: str = ""  # with the host name, names this instance's outbox claims

    @property
    def use_webhook(self) -> bool:
        return bool(self.webhook_url)


def _int_set(key: str, raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(f"{key}: {part!r} is not a Telegram user id") from None
    return frozenset(ids)


def load_settings(env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Settings:
    """Build settings from `env` (default: the process environment plus `.env`)."""
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(override=False)
        env = os.environ
    token = env.get("BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError("BOT_TOKEN: not set (get one from @BotFather, see README)")
    tz = env.get("STORE_TIMEZONE", "Asia/Shanghai").strip()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"STORE_TIMEZONE: unknown time zone {tz!r}") from None
    locale = env.get("DEFAULT_LOCALE", "zh_Hans").strip()
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"DEFAULT_LOCALE: {locale!r} is not one of {', '.join(SUPPORTED_LOCALES)}"
        )
    port_raw = env.get("WEBHOOK_PORT", "8443").strip()
    try:
        port = int(port_raw)
    except ValueError:
        raise ConfigError(f"WEBHOOK_PORT: {port_raw!r} is not a port number") from None
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_url and not secret:
        raise ConfigError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
    policy = env.get("CLUB_POLICY_FILE", "").strip()
    staff_chat = env.get("STAFF_CHAT_ID", "").strip()
    try:
        staff_chat_id = int(staff_chat) if staff_chat else None
    except ValueError:
        raise ConfigError(f"STAFF_CHAT_ID: {staff_chat!r} is not a Telegram chat id") from None
    return Settings(
        bot_token=token,
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DB_URL,
        store_code=env.get("STORE_CODE", "main").strip() or "main",
        store_name=env.get("STORE_NAME", "Owners Club").strip() or "Owners Club",
        store_timezone=tz,
        default_locale=locale,
        admin_ids=_int_set("ADMIN_IDS", env.get("ADMIN_IDS", "")),
        staff_chat_id=staff_chat_id,
        policy_file=Path(policy) if policy else None,
        bot_api_base_url=env.get("BOT_API_BASE_URL", "").strip() or TELEGRAM_API,
        bot_api_file_url=env.get("BOT_API_FILE_URL", "").strip() or None,
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=env.get("WEBHOOK_LISTEN", "0.0.0.0").strip(),
        webhook_port=port,
        log_level=env.get("LOG_LEVEL", "INFO").strip().upper(),
        sender_id=env.get("SENDER_ID", "").strip()[:15],
    )
