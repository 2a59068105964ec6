"""The device's TOML file: every key checked on its own, a bad value named, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.config import DeviceConfig, load_config, parse_config

GOOD = """
server_url = "https://heitje.heerlen.nl"
municipality_key = "%s"
camera = "camera:1"
camera_resolution = "1920x1080"
decoder = "zxing-cpp"
printer = "net:192.168.1.50:9100"
language = "en"
idle_timeout_s = 45
log_level = "debug"
backup_dir = "/mnt/backup/heitje"
backup_every_h = 6
""" % ("ab" * 32)


def test_a_missing_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "heitje.toml") == (DeviceConfig(), [])


def test_every_key_is_read(tmp_path: Path) -> None:
    path = tmp_path / "heitje.toml"
    path.write_text(GOOD)
    config, problems = load_config(path)
    assert problems == []
    assert config == DeviceConfig(
        server_url="https://heitje.heerlen.nl",
        municipality_key="ab" * 32,
        camera="camera:1",
        camera_resolution=(1920, 1080),
        decoder="zxing-cpp",
        printer="net:192.168.1.50:9100",
        language="en",
        idle_timeout_s=45,
        log_level="DEBUG",
        backup_dir="/mnt/backup/heitje",
        backup_every_h=6,
    )


@pytest.mark.parametrize(
    ("line", "key", "expected_en"),
    [
        ('server_url = "ftp://x"', "server_url", "an address such as"),
        ('municipality_key = "abc"', "municipality_key", "64 hexadecimal characters"),
        ('camera = "webcam"', "camera", "camera, camera:N"),
        ('camera_resolution = "big"', "camera_resolution", "width x height"),
        ('decoder = "zbar"', "decoder", "one of zxing-cpp"),
        ('printer = "usb"', "printer", "file:/dev/usb/lp0"),
        ('language = "de"', "language", "nl or en"),
        ("idle_timeout_s = 2", "idle_timeout_s", "from 5 to 600"),
        ('idle_timeout_s = "30"', "idle_timeout_s", "from 5 to 600"),
        ("idle_timeout_s = true", "idle_timeout_s", "from 5 to 600"),
        ('log_level = "loud"', "log_level", "DEBUG, INFO"),
        ('backup_dir = "backups"', "backup_dir", "an absolute folder path"),
        ("backup_every_h = 0", "backup_every_h", "from 1 to 168"),
        ('langauge = "en"', "langauge", "no unknown settings (a typo?)"),
    ],
)
def test_a_bad_value_is_named_and_the_rest_still_holds(
    tmp_path: Path, line: str, key: str, expected_en: str
) -> None:
    path = tmp_path / "heitje.toml"
    path.write_text(f'language = "en"\n{line}\n' if key != "language" else line + "\n")
    config, problems = load_config(path)
    assert [p.key for p in problems] == [key]
    problem = problems[0]
    assert expected_en in problem.message("en")
    assert f"'{key}'" in problem.message("nl") and "verwacht" in problem.message("nl")
    assert problem.as_error().code == f"config_{key}"
    if key != "language":
        assert config.language == "en"  # the good key next to it is kept
    assert getattr(config, key, None) in (None, getattr(DeviceConfig(), key, None))


def test_a_file_that_is_not_toml_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "heitje.toml"
    path.write_bytes(b"server_url = https://x\n\xff")
    config, problems = load_config(path)
    assert config == DeviceConfig()
    assert [p.key for p in problems] == ["(file)"]
    assert "readable TOML file" in problems[0].message("en")


@given(
    st.dictionaries(
        st.sampled_from([f.name for f in DeviceConfig.__dataclass_fields__.values()] + ["x"]),
        st.one_of(
            st.text(max_size=80),
            st.integers(),
            st.booleans(),
            st.floats(allow_nan=True),
            st.lists(st.integers(), max_size=3),
        ),
    )
)
def test_garbage_never_raises_and_every_bad_key_is_named(data: dict[str, object]) -> None:
    config, problems = parse_config(data)
    assert isinstance(config, DeviceConfig)
    named = {p.key for p in problems}
    assert named <= set(data)
    for key in set(data) - named:  # what was accepted is in the config
        assert key in DeviceConfig.__dataclass_fields__
    for problem in problems:
        assert problem.message("nl") and problem.message("en")
        assert len(problem.value) <= 60
