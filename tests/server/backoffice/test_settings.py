"""The [backoffice] settings: defaults as documented, and a clear error for a bad value."""

from __future__ import annotations

import pytest

from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.config import Settings, load_config


def settings_with(**values: object) -> Settings:
    config = load_config()
    config["backoffice"].update(values)
    return Settings(config=config)


def test_the_defaults() -> None:
    s = OfficeSettings.from_settings(settings_with())
    assert (s.idle_timeout_ms, s.session_lifetime_ms) == (1_800_000, 36_000_000)
    assert (s.signin_window_ms, s.max_failed_per_account, s.max_failed_per_address) == (
        60_000, 10, 10,
    )  # fmt: skip
    assert s.min_password_length == 12 and s.always_secure_cookies is False


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"idle_timeout_s": 0}, "idle_timeout_s must be above 0"),
        ({"signin_window_s": "60"}, "signin_window_s must be an integer"),
        ({"max_failed_signins_per_account": True}, "must be an integer"),
        ({"always_secure_cookies": "yes"}, "always_secure_cookies must be true or false"),
    ],
)
def test_a_bad_value_is_refused_with_its_name(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OfficeSettings.from_settings(settings_with(**values))
