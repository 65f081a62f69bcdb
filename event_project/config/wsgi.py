"""WSGI entry point of the event service (served by granian or gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Fail at boot, not at the first write, on a MongoDB without transactions (see outbox.checks).
from outbox.checks import require_transactions  # noqa: E402

require_transactions()
