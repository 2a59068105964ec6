"""The back office's texts: key -> (Dutch, English). Plain language (B1). Parts built later
add theirs here, or in their own module through i18n.add_texts."""

from __future__ import annotations

from kiosk.server.backoffice.texts_work import WORK

BASE: dict[str, tuple[str, str]] = {
    # frame
    "app.name": ("Heitje backoffice", "Heitje back office"),
    "a11y.skip": ("Naar de inhoud", "Skip to content"),
    "header.sign_out": ("Afmelden", "Sign out"),
    "lang.switch": ("English", "Nederlands"),
    "nav.label": ("Hoofdmenu", "Main menu"),
    "nav.home": ("Start", "Home"),
    "nav.users": ("Accounts", "Accounts"),
    "nav.users.about": (
        "Accounts van medewerkers maken, blokkeren en afmelden.",
        "Create, disable and sign out staff accounts.",
    ),
    "nav.audit": ("Logboek", "Audit log"),
    "nav.audit.about": (
        "Elke wijziging: wie, wat, wanneer, ervoor en erna.",
        "Every change: who, what, when, before and after.",
    ),
    "nav.account": ("Mijn wachtwoord", "My password"),
    "nav.account.about": ("Uw wachtwoord wijzigen.", "Change your password."),
    "role.admin": ("Beheerder", "Administrator"),
    "role.inspector": ("Inspecteur", "Inspector"),
    "role.finance": ("Financiën", "Finance"),
    "role.researcher": ("Onderzoeker", "Researcher"),
    # forms and lists
    "form.choose": ("Kies…", "Choose…"),
    "form.cancel": ("Annuleren", "Cancel"),
    "list.search": ("Zoeken", "Search"),
    "list.search_button": ("Zoek", "Search"),
    "list.clear": ("Alles tonen", "Show all"),
    "list.showing": ("{first} tot en met {last} van {total}", "{first} to {last} of {total}"),
    "list.none": ("Niets gevonden.", "Nothing found."),
    "list.pages": ("Pagina's", "Pages"),
    "list.prev": ("Vorige", "Previous"),
    "list.next": ("Volgende", "Next"),
    "list.page_of": ("Pagina {page} van {pages}", "Page {page} of {pages}"),
    # sign-in
    "signin.title": ("Aanmelden", "Sign in"),
    "signin.intro": (
        "Meld u aan met uw gebruikersnaam en wachtwoord van de gemeente.",
        "Sign in with your municipal username and password.",
    ),
    "signin.username": ("Gebruikersnaam", "Username"),
    "signin.password": ("Wachtwoord", "Password"),
    "signin.submit": ("Aanmelden", "Sign in"),
    "signin.missing": (
        "Vul uw gebruikersnaam en uw wachtwoord in.",
        "Fill in your username and your password.",
    ),
    "signin.wrong": (
        "Gebruikersnaam of wachtwoord klopt niet. Probeer het opnieuw.",
        "Wrong username or password. Please try again.",
    ),
    "signin.locked": (
        "Te veel mislukte pogingen. Uw wachtwoord is niet gecontroleerd. "
        "Probeer het over {s} seconden opnieuw.",
        "Too many failed attempts. Your password was not checked. Please try again in {s} seconds.",
    ),
    # home
    "home.title": ("Start", "Home"),
    "home.welcome": ("Welkom, {name}", "Welcome, {name}"),
    "home.intro.admin": (
        "U beheert de registers, de apparaten en de accounts.",
        "You run the registers, the devices and the accounts.",
    ),
    "home.intro.inspector": (
        "U controleert klussen en keurt ze goed of af.",
        "You inspect chores and approve or reject them.",
    ),
    "home.intro.finance": (
        "U ziet het geld in omloop en betaalt winkels uit.",
        "You see the money in circulation and pay the shops.",
    ),
    "home.intro.researcher": (
        "U downloadt cijfers per buurt, zonder namen en zonder kleine aantallen.",
        "You download figures per neighbourhood, without names and without small counts.",
    ),
    # accounts (admin)
    "users.title": ("Accounts", "Accounts"),
    "users.new": ("Nieuw account", "New account"),
    "users.username": ("Gebruikersnaam", "Username"),
    "users.username_hint": (
        "Kleine letters, cijfers, punt, streepje of liggend streepje; 2 tot 80 tekens.",
        "Lower-case letters, digits, dot, hyphen or underscore; 2 to 80 characters.",
    ),
    "users.display_name": ("Naam", "Name"),
    "users.role": ("Rol", "Role"),
    "users.password": ("Eerste wachtwoord", "First password"),
    "users.status": ("Status", "Status"),
    "users.sessions": ("Open sessies", "Open sessions"),
    "users.actions": ("Acties", "Actions"),
    "users.active": ("Actief", "Active"),
    "users.disabled": ("Geblokkeerd", "Disabled"),
    "users.locked": ("tijdelijk op slot", "temporarily locked"),
    "users.create": ("Account maken", "Create account"),
    "users.disable": ("Blokkeren", "Disable"),
    "users.disable_confirm": (
        "Dit account blokkeren? Alle sessies stoppen meteen.",
        "Disable this account? All its sessions end at once.",
    ),
    "users.enable": ("Weer toelaten", "Enable"),
    "users.end_sessions": ("Sessies beëindigen", "End sessions"),
    "users.end_sessions_confirm": (
        "Alle sessies van dit account beëindigen?",
        "End all sessions of this account?",
    ),
    # own account
    "account.title": ("Mijn wachtwoord", "My password"),
    "account.intro": (
        "Na het wijzigen worden uw andere sessies afgemeld.",
        "After the change your other sessions are signed out.",
    ),
    "account.current": ("Huidig wachtwoord", "Current password"),
    "account.new": ("Nieuw wachtwoord", "New password"),
    "account.repeat": ("Herhaal het wachtwoord", "Repeat the password"),
    "account.password_hint": (
        "Kies een lange wachtzin van een paar woorden.",
        "Choose a long passphrase of a few words.",
    ),
    "account.submit": ("Wachtwoord wijzigen", "Change password"),
    "account.current_wrong": (
        "Uw huidige wachtwoord klopt niet.",
        "Your current password is not right.",
    ),
    "account.mismatch": (
        "De twee wachtwoorden zijn niet gelijk.",
        "The two passwords are not the same.",
    ),
    # audit log
    "audit.title": ("Logboek", "Audit log"),
    "audit.intro": (
        "Niemand kan regels in het logboek wijzigen of wissen, ook de database zelf niet.",
        "Nobody can change or delete a line of the audit log; the database refuses it.",
    ),
    "audit.search": ("Zoek in het logboek", "Search the audit log"),
    "audit.when": ("Wanneer", "When"),
    "audit.who": ("Wie", "Who"),
    "audit.what": ("Wat", "What"),
    "audit.detail": ("Details", "Details"),
    "audit.change": ("Wijziging", "Change"),
    "audit.alert": ("melding", "alert"),
    "audit.show": ("Ervoor en erna", "Before and after"),
    "audit.before": ("Ervoor", "Before"),
    "audit.after": ("Erna", "After"),
    # messages after a change
    "done.signed_out": ("U bent afgemeld.", "You are signed out."),
    "done.password_changed": ("Uw wachtwoord is gewijzigd.", "Your password has been changed."),
    "done.user_created": ("Het account is gemaakt.", "The account has been created."),
    "done.user_disabled": (
        "Het account is geblokkeerd en alle sessies zijn gestopt.",
        "The account is disabled and all its sessions have ended.",
    ),
    "done.user_enabled": ("Het account mag weer aanmelden.", "The account may sign in again."),
    "done.sessions_ended": (
        "De sessies zijn beëindigd.",
        "The sessions have ended.",
    ),
    # refusals (title; .advice under it)
    "refused.signin_required": ("Aanmelden nodig", "Sign-in required"),
    "refused.signin_required.advice": (
        "Meld u eerst aan.",
        "Please sign in first.",
    ),
    "refused.forbidden": ("Geen toegang", "No access"),
    "refused.forbidden.advice": (
        "Uw rol mag deze pagina niet openen. Vraag een beheerder als u denkt dat dit niet klopt.",
        "Your role may not open this page. Ask an administrator if you think this is wrong.",
    ),
    "refused.csrf_invalid": ("Formulier verlopen", "Form expired"),
    "refused.csrf_invalid.advice": (
        "Het formulier was te oud of kwam niet van deze site. Laad de pagina opnieuw en "
        "probeer het nog eens.",
        "The form was too old or did not come from this site. Reload the page and try again.",
    ),
    "refused.not_found": ("Niet gevonden", "Not found"),
    "refused.not_found.advice": (
        "Deze pagina of dit item bestaat niet (meer).",
        "This page or item does not exist (any more).",
    ),
    "refused.method": ("Dat kan hier niet", "Not possible here"),
    "refused.method.advice": (
        "Deze pagina werkt niet op deze manier. Gebruik de knoppen op de pagina.",
        "This page does not work that way. Use the buttons on the page.",
    ),
    "refused.bad_request": ("Verzoek niet begrepen", "Request not understood"),
    "refused.bad_request.advice": (
        "Laad de pagina opnieuw en probeer het nog eens.",
        "Reload the page and try again.",
    ),
    "refused.invalid": ("Gegevens niet goed", "Data not right"),
    "refused.invalid.advice": (
        "Een veld is te lang of heeft een verkeerde vorm. Ga terug en verbeter het.",
        "A field is too long or in the wrong form. Go back and correct it.",
    ),
    "refused.action": ("Niet gedaan", "Not done"),
    "refused.action.advice": (
        "Er is niets gewijzigd.",
        "Nothing was changed.",
    ),
    "error.to_home": ("Naar de startpagina", "To the home page"),
    "error.to_signin": ("Naar aanmelden", "To sign-in"),
    # OfficeError codes (error.<code>)
    "error.password_too_short": (
        "Het wachtwoord is te kort: gebruik minstens {n} tekens.",
        "The password is too short: use at least {n} characters.",
    ),
    "error.password_too_long": (
        "Het wachtwoord is te lang: hoogstens {n} tekens.",
        "The password is too long: at most {n} characters.",
    ),
    "error.username_invalid": (
        "Gebruik voor de gebruikersnaam 2 tot 80 kleine letters, cijfers, punten of "
        "streepjes, en begin met een letter of cijfer.",
        "Use 2 to 80 lower-case letters, digits, dots, hyphens or underscores for the "
        "username, starting with a letter or digit.",
    ),
    "error.display_name_invalid": (
        "De naam mag hoogstens {n} gewone tekens hebben.",
        "The name may have at most {n} ordinary characters.",
    ),
    "error.role_invalid": ("Kies een rol: {roles}.", "Choose a role: {roles}."),
    "error.username_taken": (
        "De gebruikersnaam {username} bestaat al.",
        "The username {username} already exists.",
    ),
    "error.user_unknown": ("Dit account bestaat niet.", "This account does not exist."),
    "error.cannot_disable_self": (
        "U kunt uw eigen account niet blokkeren.",
        "You cannot disable your own account.",
    ),
    "error.last_admin": (
        "Dit is de laatste actieve beheerder; maak eerst een andere beheerder.",
        "This is the last active administrator; create another administrator first.",
    ),
}

# The work pages' texts (chores, inspection, review, money, settlements, reports).
if BASE.keys() & WORK.keys():
    raise ValueError(f"translation keys defined twice: {sorted(BASE.keys() & WORK.keys())}")
BASE.update(WORK)
