"""The back office's routers, one per domain; kiosk.server.backoffice.mount registers them."""
