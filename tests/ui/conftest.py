"""The screens' tests share the app set up as the shell sets it up (tests/ui/shell_support.py)."""

from tests.ui.shell_support import app, ui  # noqa: F401 - fixtures
