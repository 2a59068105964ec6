"""Build the translations with the Qt tools PySide6 ships (lupdate, lrelease).

    python -m kiosk.ui.i18n_build update    # tr() texts of kiosk/ui -> the .ts, then release
    python -m kiosk.ui.i18n_build release [--if-newer]  # .ts -> .qm (./run does this)
    python -m kiosk.ui.i18n_build check     # fail on a stale .ts or .qm, or a text untranslated

The .ts sources live at the top of the repository (`resources/translations/`): `heitje_nl.ts`
holds every text with its Dutch; `heitje_en.ts` holds only the texts with a number in them
("%n entries"), whose English plural forms Qt needs a translation file for. The built .qm go
into the package (`kiosk/resources/translations/`), where the app loads them. They are
rebuilt by `./run` and not kept in git: they follow from the .ts byte for byte, and binary
files would conflict on every branch that adds a text.

The .ts are written without source line numbers and with messages sorted, so they change only
when a text changes, and look the same whoever runs the update.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import PySide6

from kiosk.core.errors import Lang
from kiosk.ui.i18n import LANGUAGES, TRANSLATIONS_DIR, qm_path

__all__ = [
    "SOURCES_DIR",
    "TS_DIR",
    "Message",
    "check",
    "messages",
    "release",
    "ts_path",
    "unfinished",
    "update",
]

ROOT: Final = Path(__file__).resolve().parents[2]
SOURCES_DIR: Final = ROOT / "kiosk" / "ui"
TS_DIR: Final = ROOT / "resources" / "translations"


def ts_path(lang: Lang, directory: Path = TS_DIR) -> Path:
    return directory / f"heitje_{lang}.ts"


def _tool(name: str) -> Path:
    exe = Path(PySide6.__file__).resolve().parent / (
        name + (".exe" if sys.platform == "win32" else "")
    )
    if not exe.is_file():
        raise RuntimeError(f"{exe} is missing: PySide6-Essentials ships {name}; reinstall it")
    return exe


def _run(args: Sequence[str | Path]) -> None:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def _lupdate(ts: Path, lang: Lang, sources: Path = SOURCES_DIR) -> None:
    args: list[str | Path] = [
        _tool("lupdate"),
        "-silent",
        "-extensions",
        "py",
        "-locations",
        "none",
        "-no-obsolete",
        "-sort-messages",
        "-source-language",
        "en",
        "-target-language",
        lang,
    ]
    if lang == "en":
        args.append("-pluralonly")  # the source texts are English: only plurals need forms
    _run([*args, sources, "-ts", ts])


def _lrelease(ts: Path, qm: Path) -> None:
    qm.parent.mkdir(parents=True, exist_ok=True)
    _run([_tool("lrelease"), "-silent", ts, "-qm", qm])


def update(ts_dir: Path = TS_DIR, qm_dir: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Refresh every .ts from the tr() calls under kiosk/ui, then build the .qm."""
    ts_dir.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        _lupdate(ts_path(lang, ts_dir), lang)
    return release(ts_dir=ts_dir, qm_dir=qm_dir)


def release(
    *, if_newer: bool = False, ts_dir: Path = TS_DIR, qm_dir: Path = TRANSLATIONS_DIR
) -> list[Path]:
    """Build each .qm from its .ts; with `if_newer`, only those older than their .ts. Returns
    the .qm files written."""
    written = []
    for lang in LANGUAGES:
        ts, qm = ts_path(lang, ts_dir), qm_path(lang, qm_dir)
        if not ts.is_file():
            raise RuntimeError(f"{ts} is missing (run 'python -m kiosk.ui.i18n_build update')")
        if if_newer and qm.is_file() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        _lrelease(ts, qm)
        written.append(qm)
    return written


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translations: tuple[str, ...]  # one, or one per plural form
    finished: bool


def messages(ts: Path) -> list[Message]:
    """The messages of a .ts file (lupdate's XML, written by this project)."""
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None:
                continue
            forms = [f.text or "" for f in translation.iter("numerusform")]
            texts = tuple(forms) if message.get("numerus") == "yes" else (translation.text or "",)
            finished = translation.get("type") not in ("unfinished", "vanished", "obsolete")
            out.append(Message(name, message.findtext("source", ""), texts, finished))
    return out


def unfinished(ts: Path) -> list[str]:
    """Every message of `ts` still waiting for its translation, as "Context: source"."""
    return [
        f"{m.context}: {m.source!r}"
        for m in messages(ts)
        if not m.finished or not all(t.strip() for t in m.translations)
    ]


def check(ts_dir: Path = TS_DIR, qm_dir: Path = TRANSLATIONS_DIR) -> list[str]:
    """What is wrong with the translations, in words (nothing: all is well): a .ts that does
    not match the texts in the code, a text without its translation, a .qm not built from
    the .ts as it is now."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="heitje-i18n-") as tmp:
        for lang in LANGUAGES:
            ts = ts_path(lang, ts_dir)
            if not ts.is_file():
                problems.append(f"{ts} is missing: run 'python -m kiosk.ui.i18n_build update'")
                continue
            fresh = Path(tmp, ts.name)
            shutil.copyfile(ts, fresh)
            _lupdate(fresh, lang)
            if fresh.read_bytes() != ts.read_bytes():
                problems.append(
                    f"{ts.name} does not match the texts in kiosk/ui (a text was added, changed "
                    "or removed): run 'python -m kiosk.ui.i18n_build update' and translate"
                )
            problems += [f"{ts.name}: no translation for {m}" for m in unfinished(fresh)]
            built, qm = Path(tmp, f"heitje_{lang}.qm"), qm_path(lang, qm_dir)
            _lrelease(ts, built)
            if not qm.is_file() or not filecmp.cmp(built, qm, shallow=False):
                problems.append(
                    f"{qm} is missing or older than {ts.name}: "
                    "run 'python -m kiosk.ui.i18n_build release'"
                )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.ui.i18n_build", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="collect the texts from kiosk/ui into the .ts, then release")
    rel = sub.add_parser("release", help="build the .qm files from the .ts")
    rel.add_argument("--if-newer", action="store_true", help="only where the .ts is newer")
    sub.add_parser("check", help="fail on a stale .ts or .qm, or a text without translation")
    args = parser.parse_args(argv)
    try:
        if args.command == "update":
            for qm in update():
                print(f"built {qm}")
        elif args.command == "release":
            for qm in release(if_newer=args.if_newer):
                print(f"built {qm}")
        else:
            problems = check()
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1 if problems else 0
    except RuntimeError as exc:
        print(f"i18n_build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
