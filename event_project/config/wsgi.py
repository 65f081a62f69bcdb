"""WSGI entry point of the event service (served by granian or gunicorn): Django, behind the
answers of current cached event reads (events/read_fast_path.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_application = get_wsgi_application()

from events.read_fast_path import CachedReads  # noqa: E402 - needs the apps loaded

application = CachedReads(django_application)

# Fail at boot, not at the first write, on a MongoDB without transactions (see outbox.checks).
from outbox.checks import require_transactions  # noqa: E402

require_transactions()
