"""The screens' tests share the app set up as the shell sets it up (tests/ui/shell_support.py)."""

from tests.log_check import _no_personal_data_in_the_logs  # noqa: F401 - autouse fixture
from tests.ui.shell_support import app, ui  # noqa: F401 - fixtures
