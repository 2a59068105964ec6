"""The municipality's back office: server-rendered pages below /office, for admin,
inspector, finance and researcher accounts (docs/backoffice.md).

site.py puts it together (``mount(app, server)``, the list of routers); access.py is the
one dependency every route uses; permissions.py says which role may do what; audit.py
writes the audit log; listing.py is the list pattern; i18n.py and texts.py hold every text
in Dutch and English.
"""
