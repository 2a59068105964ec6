"""The translation files: the .ts match the tr() texts in kiosk/ui, every text has its Dutch,
the built .qm are those of the .ts; and the checks and the build do what they say on copies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QTranslator

from kiosk.ui import i18n_build
from kiosk.ui.i18n import LANGUAGES, TRANSLATIONS_DIR, qm_path
from kiosk.ui.i18n_build import TS_DIR, check, messages, release, ts_path, unfinished


def test_the_translations_are_complete_and_built() -> None:
    assert check() == [], "\n".join(check())
    nl = messages(ts_path("nl"))
    assert nl, "heitje_nl.ts holds no texts"
    assert all(m.finished and all(m.translations) for m in nl)


def test_the_built_dutch_translates(qapp: object) -> None:
    translator = QTranslator()
    assert translator.load(str(qm_path("nl")))
    for m in messages(ts_path("nl")):
        if len(m.translations) == 1:
            assert translator.translate(m.context, m.source) == m.translations[0]


def copies(tmp_path: Path) -> tuple[Path, Path]:
    ts_dir, qm_dir = tmp_path / "ts", tmp_path / "qm"
    shutil.copytree(TS_DIR, ts_dir)
    shutil.copytree(TRANSLATIONS_DIR, qm_dir)
    return ts_dir, qm_dir


def test_check_finds_a_missing_translation_and_a_stale_build(tmp_path: Path) -> None:
    ts_dir, qm_dir = copies(tmp_path)
    ts = ts_path("nl", ts_dir)
    text = ts.read_text()
    assert "<translation>Kies Engels</translation>" in text
    ts.write_text(
        text.replace(
            "<translation>Kies Engels</translation>",
            '<translation type="unfinished"></translation>',
        )
    )
    problems = check(ts_dir, qm_dir)
    assert any("no translation for LanguageButton: 'Switch to English'" in p for p in problems)
    assert any("heitje_nl.qm is missing or older" in p for p in problems)
    assert unfinished(ts) == ["LanguageButton: 'Switch to English'"]


def test_check_finds_a_text_the_ts_does_not_have(tmp_path: Path) -> None:
    ts_dir, qm_dir = copies(tmp_path)
    ts = ts_path("nl", ts_dir)
    text = ts.read_text()
    start = text.index("    <message>\n        <source>Switch to Dutch</source>")
    end = text.index("</message>", start) + len("</message>\n")
    ts.write_text(text[:start] + text[end:])
    problems = check(ts_dir, qm_dir)
    assert any("heitje_nl.ts does not match the texts in kiosk/ui" in p for p in problems)


def test_release_if_newer_builds_only_what_changed(tmp_path: Path) -> None:
    ts_dir, qm_dir = copies(tmp_path)
    shutil.rmtree(qm_dir)
    assert sorted(release(if_newer=True, ts_dir=ts_dir, qm_dir=qm_dir)) == sorted(
        qm_path(lang, qm_dir) for lang in LANGUAGES
    )
    assert release(if_newer=True, ts_dir=ts_dir, qm_dir=qm_dir) == []
    ts = ts_path("nl", ts_dir)
    later = qm_path("nl", qm_dir).stat().st_mtime + 10
    os.utime(ts, (later, later))
    assert release(if_newer=True, ts_dir=ts_dir, qm_dir=qm_dir) == [qm_path("nl", qm_dir)]
    assert qm_path("nl", qm_dir).read_bytes() == qm_path("nl").read_bytes()  # byte for byte


def test_update_makes_the_ts_from_the_code(tmp_path: Path) -> None:
    """From nothing, update collects every tr() text of kiosk/ui, untranslated."""
    ts_dir, qm_dir = tmp_path / "ts", tmp_path / "qm"
    built = i18n_build.update(ts_dir=ts_dir, qm_dir=qm_dir)
    assert sorted(p.name for p in built) == ["heitje_en.qm", "heitje_nl.qm"]
    fresh = {(m.context, m.source) for m in messages(ts_path("nl", ts_dir))}
    assert fresh == {(m.context, m.source) for m in messages(ts_path("nl"))}
    assert ("LanguageButton", "Switch to English") in fresh
    assert unfinished(ts_path("nl", ts_dir))  # nobody translated these yet


def test_the_command_line(capsys: object) -> None:
    assert i18n_build.main(["check"]) == 0
