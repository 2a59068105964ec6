"""The screens people touch, one module per role; each calls kiosk/ops, never the store."""
