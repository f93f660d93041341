"""The WSGI entry point gunicorn serves (`gunicorn helpline.wsgi:app`)."""

import sys

from helpline.config import ConfigError
from helpline.settings import SettingsError

try:
    from helpline.app import create_app
    from helpline.observability.logs import configure_logging
    from helpline.settings import load_settings

    _settings = load_settings()
    configure_logging("web", _settings)
    app = create_app(_settings)
except (SettingsError, ConfigError) as exc:
    # Clear lines for the operator instead of a traceback per gunicorn worker: one per
    # problem (a configuration file may have several).
    for line in str(exc).splitlines():
        print(f"helpline: cannot start: {line}", file=sys.stderr)
    raise SystemExit(1) from None
