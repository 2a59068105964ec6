"""The pages themselves: every text through the translation table in both languages, labels
on every field, enough contrast, nothing loaded from elsewhere, the security headers, and
Dutch by default with English one click away."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kiosk.server.backoffice import i18n
from kiosk.server.backoffice.office import STATIC_DIR, TEMPLATES_DIR
from kiosk.server.backoffice.permissions import ROLES
from tests.server.backoffice.kit import Office

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
SPOKEN = re.compile(r'\b(?:aria-label|title|placeholder|alt|data-confirm)="([^"]*)"')
KEY_ARG = re.compile(r"""["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def test_templates_hold_no_text_outside_the_translation_table() -> None:
    assert len(TEMPLATES) >= 10
    for path in TEMPLATES:
        source = path.read_text(encoding="utf-8")
        without_jinja = JINJA.sub(" ", source)
        bare = ENTITY.sub(" ", TAG.sub(" ", without_jinja))
        words = re.findall(r"[^\W\d_]{2,}", bare)
        assert words == [], f"{path.name}: text outside t(): {words[:10]}"
        # attributes people read (or hear) too
        said = re.findall(SPOKEN, without_jinja)
        assert [v for v in said if re.search(r"[^\W\d_]{2,}", v)] == [], path.name


def test_every_key_the_templates_name_has_both_languages() -> None:
    named: set[str] = set()
    for path in TEMPLATES:
        source = path.read_text(encoding="utf-8")
        named |= set(KEY_CALL.findall(source))
        # keys handed to macros (label_key="...", "users.disable", ...)
        for block in re.findall(r"\{\{.*?\}\}", source, re.S):
            named |= {k for k in KEY_ARG.findall(block) if k.split(".")[0] in PREFIXES}
    # a key made from a prefix and a value ("role." ~ me.role) exists for every value
    made = {k for k in named if k.endswith(".")}
    assert made <= set(DYNAMIC), f"say which values {made - set(DYNAMIC)} is completed with"
    named = (named - made) | {f"{k}{value}" for k in made for value in DYNAMIC[k]}
    missing = sorted(k for k in named if k not in i18n.TEXTS)
    assert missing == []
    for key, (nl, en) in i18n.TEXTS.items():
        assert nl.strip() and en.strip(), key
        assert set(re.findall(r"\{(\w+)\}", nl)) == set(re.findall(r"\{(\w+)\}", en)), key


PREFIXES = {k.split(".")[0] for k in i18n.TEXTS}
# keys a template completes with a value: "role." ~ me.role
DYNAMIC = {"role.": ROLES, "home.intro.": ROLES}


def test_a_missing_translation_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError, match="no translation"):
        i18n.translate("nl", "no.such.key")
    with pytest.raises(ValueError, match="defined twice"):
        i18n.add_texts({"app.name": ("x", "y")})


class Fields(HTMLParser):
    """Form fields and labels of one page, and every URL it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str | None]] = []
        self.labels: set[str] = set()
        self.loads: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append((str(a.get("name")), a.get("id")))
        if tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.loads.append(str(a.get("href") or a.get("src")))


def check_page(html: str, lang: str) -> None:
    page = Fields()
    page.feed(html)
    assert page.lang == lang
    for name, field_id in page.fields:
        assert field_id and field_id in page.labels, f"field {name} has no label"
    for url in page.loads:
        assert url.startswith("/office/static/"), f"loads {url} from elsewhere"
    assert "{" not in TAG.sub("", html).replace("{}", ""), "an unformatted text"


PAGES = ["/office", "/office/account/password", "/office/users", "/office/users/new"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_renders_in_both_languages(office: Office, lang: str) -> None:
    admin = office.as_role("admin")
    admin.cookies.set(i18n.COOKIE, lang, domain="127.0.0.1", path="/office")
    for path in [*PAGES, "/office/audit?q=signin"]:
        r = admin.get(path)
        assert r.status_code == 200, path
        check_page(r.text, lang)
    for role in ROLES:
        c = office.as_role(role)
        c.cookies.set(i18n.COOKIE, lang, domain="127.0.0.1", path="/office")
        r = c.get("/office")
        assert r.status_code == 200
        check_page(r.text, lang)
        assert i18n.translate(lang, f"home.intro.{role}") in r.text
    anonymous = office.client()
    anonymous.cookies.set(i18n.COOKIE, lang, domain="127.0.0.1", path="/office")
    r = anonymous.get("/office/sign-in")
    check_page(r.text, lang)
    assert i18n.translate(lang, "signin.intro") in r.text


def test_dutch_by_default_english_one_click_away(office: Office) -> None:
    c = office.as_role("finance")
    page = c.get("/office/account/password?x=1")
    assert '<html lang="nl">' in page.text and "Mijn wachtwoord" in page.text
    link = re.search(r'href="(/office/lang/en\?next=[^"]+)"', page.text)
    assert link, "no link to English"
    r = c.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 303 and r.headers["location"] == "/office/account/password?x=1"
    english = c.get(r.headers["location"])
    assert '<html lang="en">' in english.text and "My password" in english.text
    back = c.get("/office/lang/nl?next=https://evil.example/")
    assert back.headers["location"] == "/office"
    assert "Mijn wachtwoord" in c.get("/office/account/password").text


def test_the_navigation_shows_only_what_the_role_may_open(office: Office) -> None:
    admin = office.as_role("admin").get("/office").text
    researcher = office.as_role("researcher").get("/office").text
    assert 'href="/office/users"' in admin and 'href="/office/audit"' in admin
    assert 'href="/office/users"' not in researcher and 'href="/office/audit"' not in researcher
    assert "Onderzoeker" in researcher and "Afmelden" in researcher


def test_refusals_are_pages_and_headers_are_strict(office: Office) -> None:
    c = office.as_role("inspector")
    for path, status in (("/office/users", 403), ("/office/no-such-page", 404)):
        r = c.get(path)
        assert r.status_code == status and r.headers["content-type"].startswith("text/html")
        check_page(r.text, "nl")
    r = c.get("/office")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    # a field far too long: a page that says so, not JSON
    admin = office.as_role("admin")
    token = office.csrf(admin, "/office/users/new")
    r = admin.post("/office/users", data={"csrf_token": token, "username": "x" * 500})
    assert r.status_code == 422 and "Gegevens niet goed" in r.text
    assert r.headers["content-type"].startswith("text/html")
    # the device API keeps its JSON answers
    assert office.client().get("/v1/no-such-thing").json()["code"] == "not_found"


# -- the style sheet ---------------------------------------------------------------------------

CSS = (STATIC_DIR / "office.css").read_text(encoding="utf-8")
# text colour, background colour: every pair the style sheet puts together
PAIRS = [
    ("text", "bg"),
    ("muted", "bg"),
    ("link", "bg"),
    ("text", "surface"),
    ("link", "surface"),
    ("muted", "surface"),
    ("header-text", "header-bg"),
    ("button-text", "button-bg"),
    ("danger-text", "danger-bg"),
    ("error-text", "error-bg"),
    ("notice-text", "notice-bg"),
    ("badge-text", "badge-bg"),
    ("text", "alert-row-bg"),
    ("link", "alert-row-bg"),
]


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_text_colour_has_contrast_of_at_least_4_5() -> None:
    root = CSS[CSS.index(":root") : CSS.index("}", CSS.index(":root"))]
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", root))
    outside = CSS.replace(root, "")
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b|rgb\(|hsl\(", outside) == [], "colours outside :root"
    for fg, bg in PAIRS:
        ratio = contrast(colours[fg], colours[bg])
        assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}"
    # focus rings must stand out against their background (WCAG 1.4.11: 3:1)
    assert contrast(colours["focus"], colours["bg"]) >= 3
    assert contrast(colours["focus-on-dark"], colours["header-bg"]) >= 3


def test_focus_is_always_visible() -> None:
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", CSS)
    assert "outline: none" not in CSS and "outline:none" not in CSS


def test_nothing_is_fetched_from_elsewhere() -> None:
    for path in [*TEMPLATES, *Path(STATIC_DIR).iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name
        assert "@import" not in text and "@font-face" not in text, path.name
