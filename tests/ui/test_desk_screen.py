"""The klusbox desk's screen with real parts: a desk enrolled with the real server over HTTP on
127.0.0.1, its real ledger file, real signed cards and labels through the real scan path (held
up to the camera as PNG frames it plays, or read by the hand scanner's path), and the server's
own tables after a real sync. Each test checks what the screen shows, what the desk's ledger
holds and what the server made of it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from kiosk.db.ops_queries import read_only
from kiosk.db.sync_models import SyncRefused
from kiosk.ops.words import date_words
from kiosk.ui.i18n import Translations
from kiosk.ui.i18n_build import messages, ts_path
from kiosk.ui.screens.desk import Page
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, apply_theme, check_sizes
from tests.ops.conftest import DAY, HOUR, Enrolled, live
from tests.server.conftest import NOW, LiveServer
from tests.ui.counter_support import shown_texts
from tests.ui.desk_support import (
    PIN,
    Camera,
    Desk,
    World,
    contexts,
    desk_refs,
    desk_translations,
    enrol_desk,
    open_desk,
    seed_desk_server,
    server_entries,
    server_maintenance,
    sign_up_on_server,
)

SHOTS = os.environ.get("DESK_SHOTS")  # a folder: save each page of the walk there, to look at

__all__ = ["live"]  # the fixture, imported (ui comes from tests/ui/conftest.py)


@pytest.fixture
def world(live: LiveServer) -> World:
    world = seed_desk_server(live)
    sign_up_on_server(live, "r-1", "ch-box")  # Anna will do the chore with a box
    return world


@pytest.fixture(scope="module")
def i18n(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The translations built as they are once the desk's Dutch is in the .ts (see
    desk_support.desk_translations); the folder holding the copy of the .ts and the .qm."""
    work = tmp_path_factory.mktemp("i18n")
    desk_translations(work)
    return work


@pytest.fixture
def translated(qapp: QApplication, i18n: Path, ui: Translations) -> Iterator[Translations]:
    """The app set up as the shell does, with those translations instead of the built ones."""
    ui.uninstall()
    built = Translations(qapp, "nl", directory=i18n / "qm")
    yield built
    built.uninstall()
    built.deleteLater()


@pytest.fixture
def opened(
    qtbot: QtBot, live: LiveServer, world: World, tmp_path: Path, translated: Translations
) -> Iterator[tuple[Desk, Enrolled, Camera]]:
    camera = Camera(tmp_path / "camera")
    enrolled = enrol_desk(live, tmp_path / "desk", camera=camera.folder)
    desk = open_desk(qtbot, enrolled.device, translated)
    desk.scan.start()  # the camera plays the folder, decoded on its own thread
    yield desk, enrolled, camera
    desk.close()


def refused_count(desk: Desk) -> int:
    with read_only(desk.device.handle.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(SyncRefused)).scalar_one())


def show(desk: Desk, camera: Camera, payload: str, page: Page) -> None:
    """Hold a card or label up to the camera until `page` is in front; then take it away."""
    camera.hold(payload)
    desk.wait_page(page)
    camera.take_away(desk)


def lend_box(desk: Desk, world: World, resident: str, box: str, *, earlier_days: int = 0) -> None:
    """A whole loan by hand scanner: the resident's card, the label, the due date moved, Lend."""
    screen = desk.screen
    desk.hand_scan(getattr(world, resident), Page.RESIDENT)
    desk.hand_scan(getattr(world, box), Page.LEND)
    for _ in range(earlier_days):
        desk.click(screen.lend_page.earlier)
    desk.click(screen.lend_page.go)
    desk.wait_page(Page.HOME)


# -- (a) a loan with all components --------------------------------------------------------------


def test_a_loan_with_all_components_on_screen_in_the_ledger_and_on_the_server(
    opened: tuple[Desk, Enrolled, Camera], world: World, live: LiveServer
) -> None:
    desk, enrolled, camera = opened
    screen = desk.screen
    assert screen.home.preview.isVisible()
    show(desk, camera, world.anna.payload, Page.RESIDENT)
    assert screen.home.preview.has_picture  # home showed the camera's live picture
    assert screen.resident.name.text() == "Anna"
    assert "Plein vegen met de klusbox" in " ".join(shown_texts(screen))

    show(desk, camera, world.box1.payload, Page.LEND)
    page = screen.lend_page
    assert page.title.text() == "Bezemset Oost 1" and page.who.text() == "Voor Anna"
    assert [(b.text(), b.isChecked()) for _, b in page.ticks.boxes] == [
        ("2 bezems", True),
        ("1 blik", True),
        ("1 grijper", True),
    ]
    # The due date is the end of the chore's time window; Anna can check in at once.
    assert page.due_at == NOW + 6 * HOUR
    assert page.due.text() == f"Terug op {date_words(NOW + 6 * HOUR).nl}"
    assert page.check_in.isVisibleTo(page) and page.check_in.isChecked()
    assert not page.late.isVisibleTo(page) and not page.override.isVisibleTo(page)
    desk.click(page.go)
    desk.wait_page(Page.HOME)
    desk.wait_text(screen.home.message, "Bezemset Oost 1 is uitgeleend aan Anna")
    assert "De bewoner is ingecheckt voor de klus." in screen.home.message.text()

    [refs] = desk_refs(desk.device, "loan")
    assert refs["klusbox"] == world.box1.serial and refs["resident"] == "r-1"
    assert refs["components"] == "0,1,2" and refs["due"] == NOW + 6 * HOUR
    assert "staff" not in refs
    assert len(desk_refs(desk.device, "check_in")) == 1

    enrolled.sync()
    [(status, on_server)] = server_entries(live, desk.device, "loan")
    assert status == "applied" and on_server == refs
    assert [s for s, _ in server_entries(live, desk.device, "check_in")] == ["applied"]
    assert refused_count(desk) == 0

    # The label again: the box is lent, so its return page, with what went out.
    show(desk, camera, world.box1.payload, Page.RETURN)
    assert screen.return_page.who.text().startswith("Uitgeleend aan Anna")
    assert [b.text() for _, b in screen.return_page.ticks.boxes] == [
        "2 bezems",
        "1 blik",
        "1 grijper",
    ]


# -- (b) a return with a missing component -------------------------------------------------------


def test_a_return_with_a_missing_component_puts_the_box_in_maintenance(
    opened: tuple[Desk, Enrolled, Camera], world: World, live: LiveServer
) -> None:
    desk, enrolled, camera = opened
    screen = desk.screen
    lend_box(desk, world, "bram", "box1")
    enrolled.sync()
    desk.wait_lists()
    assert screen.home.maintenance.empty.isVisibleTo(screen)

    show(desk, camera, world.box1.payload, Page.RETURN)
    page = screen.return_page
    assert page.title.text() == "Bezemset Oost 1"
    assert page.condition() == "good"
    for i, box in page.ticks.boxes:
        if i != 1:  # the dustpan did not come back
            box.setChecked(True)
    page.note.setText("blik kwijt")
    desk.click(page.go)
    desk.wait_page(Page.HOME)
    desk.wait_text(screen.home.message, "Ontbreekt: 1 blik")
    assert screen.home.message.property("tone") == "warning"
    desk.wait_lists()
    [line] = screen.home.maintenance_lines
    assert line.klusbox_id == world.box1.serial
    assert "Bezemset Oost 1 — In onderhoud" in shown_texts(screen)

    [refs] = desk_refs(desk.device, "return")
    assert refs["returned"] == "0,2" and refs["missing"] == "1" and refs["note"] == "blik kwijt"
    assert not server_maintenance(live, world.box1.serial)
    enrolled.sync()
    assert server_maintenance(live, world.box1.serial)
    assert [s for s, _ in server_entries(live, desk.device, "return")] == ["applied"]
    assert refused_count(desk) == 0
    desk.wait_lists()  # the snapshot after the sync keeps it on the desk's list
    assert [x.klusbox_id for x in screen.home.maintenance_lines] == [world.box1.serial]

    # The box's label now says so, and it is not lent.
    desk.hand_scan(world.anna, Page.RESIDENT)
    desk.scan.scanned(world.box1.payload)
    desk.wait_text(screen.resident.message, "Bezemset Oost 1 is in onderhoud")
    assert screen.page is Page.RESIDENT


# -- (c) an overdue resident and the staff override ---------------------------------------------


def make_bram_overdue(desk: Desk, enrolled: Enrolled, live: LiveServer, world: World) -> None:
    """Bram borrows box 1 until the end of today (the due date moved a week earlier), then
    two days pass on the desk and the server."""
    lend_box(desk, world, "bram", "box1", earlier_days=7)
    [refs] = desk_refs(desk.device, "loan")
    assert date_words(int(str(refs["due"]))).nl == date_words(NOW).nl
    enrolled.sync()
    enrolled.clock.advance(2 * DAY)
    live.clock.advance(2 * DAY)
    enrolled.sync()
    desk.screen.load_lists()
    desk.wait_lists()


def test_an_overdue_resident_is_refused_and_a_staff_override_lends_and_is_recorded(
    opened: tuple[Desk, Enrolled, Camera], world: World, live: LiveServer
) -> None:
    desk, enrolled, camera = opened
    screen = desk.screen
    make_bram_overdue(desk, enrolled, live, world)
    [late] = screen.home.overdue_lines
    assert (late.resident_name, late.box_name, late.days_overdue) == ("Bram", "Bezemset Oost 1", 2)
    assert "Bram — Bezemset Oost 1 — 2 dagen te laat" in shown_texts(screen)

    show(desk, camera, world.bram.payload, Page.RESIDENT)
    assert screen.resident.late.isVisibleTo(screen)
    show(desk, camera, world.box2.payload, Page.LEND)
    page = screen.lend_page
    assert page.late.isVisibleTo(page)
    assert "Bram heeft nog een klusbox die te laat is: Bezemset Oost 1" in page.late.text()
    desk.click(page.go)
    desk.wait_text(page.message, "Alleen een medewerker met een personeelspas kan toch uitlenen.")
    assert page.message.property("tone") == "refused" and screen.stack.currentWidget() is page
    assert len(desk_refs(desk.device, "loan")) == 1

    desk.click(page.override)
    desk.wait_page(Page.OVERRIDE)
    over = screen.override_page
    assert not over.go.isEnabled()
    desk.scan.scanned(world.ilse.payload)  # an inspector may not override
    desk.wait_text(over.message, "Deze medewerker mag dit niet doen")
    assert over.member is None
    camera.hold(world.dana.payload)
    desk.wait_text(over.staff, "Dana (baliemedewerker)")
    camera.take_away(desk)
    desk.type_pin("9999")
    desk.click(over.go)
    desk.wait_text(over.message, "De pincode klopt niet.")
    assert screen.stack.currentWidget() is over and over.pad.pin == ""
    assert len(desk_refs(desk.device, "loan")) == 1  # the wrong PIN lent nothing

    desk.type_pin(PIN)
    desk.click(over.go)
    desk.wait_page(Page.HOME)
    desk.wait_text(screen.home.message, "Toegestaan door Dana met een personeelspas.")
    loans = desk_refs(desk.device, "loan")
    assert len(loans) == 2
    assert loans[-1]["staff"] == world.dana.serial and loans[-1]["klusbox"] == world.box2.serial

    enrolled.sync()
    on_server = server_entries(live, desk.device, "loan")
    assert [s for s, _ in on_server] == ["applied", "applied"]
    assert on_server[-1][1]["staff"] == world.dana.serial
    assert refused_count(desk) == 0


def test_three_wrong_pins_block_the_staff_card_on_this_desk(
    opened: tuple[Desk, Enrolled, Camera], world: World, live: LiveServer
) -> None:
    """A wrong PIN three times blocks Dana's card on this desk; the pad says so, nothing lent."""
    desk, enrolled, _camera = opened
    screen = desk.screen
    make_bram_overdue(desk, enrolled, live, world)
    desk.hand_scan(world.bram, Page.RESIDENT)
    desk.hand_scan(world.box2, Page.LEND)
    desk.click(screen.lend_page.override)
    desk.wait_page(Page.OVERRIDE)
    over = screen.override_page
    desk.scan.scanned(world.dana.payload)
    desk.wait_text(over.staff, "Dana")
    for _ in range(3):
        desk.type_pin("0000")
        desk.click(over.go)
        desk.qtbot.waitUntil(lambda: not over.busy, timeout=30_000)
    desk.type_pin(PIN)
    desk.click(over.go)
    desk.wait_text(over.message, "geblokkeerd")
    assert len(desk_refs(desk.device, "loan")) == 1


# -- every page, both languages, both themes -----------------------------------------------------


def text_pattern(template: str) -> re.Pattern[str]:
    return re.compile(".+".join(re.escape(part) for part in re.split(r"%\d", template)), re.S)


def walk_pages(desk: Desk, enrolled: Enrolled, live: LiveServer, world: World) -> Iterator[str]:
    screen = desk.screen
    yield "home, empty lists"
    desk.hand_scan(world.anna, Page.RESIDENT)
    yield "resident with a chore to check in for"
    [check_in] = [
        b
        for b in screen.resident.findChildren(QPushButton)
        if b.objectName().startswith("desk_check_in_")
    ]
    desk.click(check_in)
    desk.qtbot.waitUntil(lambda: screen.resident.notice is not None, timeout=30_000)
    yield "resident, checked in"
    desk.click(screen.resident.done)
    desk.wait_page(Page.HOME)
    make_bram_overdue(desk, enrolled, live, world)
    yield "home, an overdue box, a notice"
    desk.hand_scan(world.bram, Page.RESIDENT)
    yield "resident with an overdue box"
    desk.hand_scan(world.box2, Page.LEND)
    yield "lend, needs a staff card"
    desk.click(screen.lend_page.go)
    desk.qtbot.waitUntil(lambda: screen.lend_page.error is not None, timeout=30_000)
    yield "lend, refused"
    desk.click(screen.lend_page.override)
    desk.wait_page(Page.OVERRIDE)
    yield "override, waiting for a staff card"
    desk.scan.scanned(world.dana.payload)
    desk.qtbot.waitUntil(lambda: screen.override_page.member is not None, timeout=30_000)
    desk.type_pin("9999")
    desk.click(screen.override_page.go)
    desk.qtbot.waitUntil(lambda: screen.override_page.error is not None, timeout=30_000)
    yield "override, a wrong PIN"
    desk.click(screen.override_page.cancel)
    desk.wait_page(Page.LEND)
    desk.click(screen.lend_page.cancel)
    desk.wait_page(Page.RESIDENT)
    desk.click(screen.resident.done)
    desk.wait_page(Page.HOME)
    desk.hand_scan(world.box1, Page.RETURN)
    yield "return of an overdue box"
    desk.click(screen.return_page.go)  # nothing ticked: everything missing, to maintenance
    desk.wait_page(Page.HOME)
    desk.wait_lists()
    yield "home, a box in maintenance"


def test_every_desk_page_in_both_languages_and_themes_is_translated_large_and_named(
    opened: tuple[Desk, Enrolled, Camera],
    world: World,
    live: LiveServer,
    translated: Translations,
    qapp: QApplication,
    i18n: Path,
) -> None:
    desk, enrolled, _camera = opened
    screen = desk.screen
    ours = [m for m in messages(ts_path("nl", i18n / "ts")) if m.context in set(contexts())]
    assert len(ours) > 40 and all(m.finished and m.translations[0] for m in ours)
    differ = [m for m in ours if m.translations[0] != m.source]
    patterns = {
        "nl": {m.translations[0]: text_pattern(m.translations[0]) for m in differ},
        "en": {m.source: text_pattern(m.source) for m in differ},
    }
    seen: dict[str, set[str]] = {"nl": set(), "en": set()}
    problems: list[str] = []
    title = {"nl": "Klusboxbalie", "en": "Klusbox desk"}
    for name in walk_pages(desk, enrolled, live, world):
        if SHOTS:
            screen.grab().save(f"{SHOTS}/{name.replace(' ', '_').replace(',', '')}.png")
        for theme in (NORMAL, HIGH_CONTRAST):
            apply_theme(qapp, theme)
            for lang in ("nl", "en"):
                translated.switch(lang)
                desk.wait_text(screen.home.title, title[lang])
                desk.qtbot.wait(10)  # the rest of the posted LanguageChange events
                other = "en" if lang == "nl" else "nl"
                for text in shown_texts(screen):
                    if any(p.fullmatch(text) for p in patterns[other].values()):
                        problems.append(f"{name}, {lang}: untranslated «{text}»")
                    seen[lang].update(t for t, p in patterns[lang].items() if p.fullmatch(text))
                problems += [f"{name}, {theme.name}, {lang}: {p}" for p in check_sizes(screen)]
        apply_theme(qapp, NORMAL)
        translated.switch("nl")
    assert problems == []
    assert len(seen["nl"]) >= 30 and len(seen["en"]) >= 30, (len(seen["nl"]), len(seen["en"]))
