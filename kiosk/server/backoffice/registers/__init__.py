"""The registers the admin keeps in the back office: residents, cards, neighbourhoods,
merchants, staff, devices and klusboxes.

One module per register holds what can be done to it: each change checks its input
(refusing with an ``OfficeError`` a person can read), makes the change in one transaction
that bumps the change version (so the next delta snapshot carries it) and writes its audit
row in that same transaction. The pages are in ``kiosk/server/backoffice/routes/``.
"""
