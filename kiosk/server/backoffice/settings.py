"""The [backoffice] section of the server's configuration, read once and checked."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.server.config import Settings

SECTION = "backoffice"


@dataclass(frozen=True)
class OfficeSettings:
    idle_timeout_ms: int
    session_lifetime_ms: int
    signin_window_ms: int
    max_failed_per_account: int
    max_failed_per_address: int
    min_password_length: int
    always_secure_cookies: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> OfficeSettings:
        def positive(key: str) -> int:
            value = settings.get(SECTION, key)
            if value <= 0:
                raise ValueError(f"config {SECTION}.{key} must be above 0, not {value}")
            return value

        secure = settings.config[SECTION].get("always_secure_cookies", False)
        if not isinstance(secure, bool):
            raise ValueError(f"config {SECTION}.always_secure_cookies must be true or false")
        return cls(
            idle_timeout_ms=positive("idle_timeout_s") * 1000,
            session_lifetime_ms=positive("session_lifetime_s") * 1000,
            signin_window_ms=positive("signin_window_s") * 1000,
            max_failed_per_account=positive("max_failed_signins_per_account"),
            max_failed_per_address=positive("max_failed_signins_per_address"),
            min_password_length=positive("min_password_length"),
            always_secure_cookies=secure,
        )
