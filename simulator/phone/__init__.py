"""The demo phone: its page and assets (`static/`), the /sim/* control API it and the
tests drive (`control`), and the demo callers it dials as (`demo_callers`)."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
