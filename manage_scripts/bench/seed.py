"""Seed benchmark users and events and mint their access tokens (run with the event service's settings).

The login endpoint is rate-limited (5/min/IP), so the benchmark does not log
in: users are bulk-inserted through the ORM with one precomputed bcrypt hash,
and tokens come from `accounts.tokens.issue_tokens`, the login's own issuer.
Events are bulk-inserted without outbox records (seed data is not news).
Usage, from event_project/: python seed.py OUT.json --users N --events-per-user K
"""

import argparse
import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.getcwd())  # event_project/, the working directory

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.tokens import issue_tokens  # noqa: E402
from events.models import Event  # noqa: E402
from events.search import title_words  # noqa: E402

TAGS = ["python", "music", "sports", "art", "food", "tech", "science", "travel"]
WORDS = ["conference", "meetup", "festival", "workshop", "concert", "summit", "market", "sprint"]
CITIES = [("Berlin", 13.40, 52.52), ("Paris", 2.35, 48.85), ("Lisbon", -9.14, 38.72), ("Oslo", 10.75, 59.91)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--events-per-user", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(6)
    password = make_password("Bench-password-1!")
    users = [
        User(
            username=f"bench_{i}", username_key=f"bench_{i}", email=f"bench_{i}@example.com",
            email_key=f"bench_{i}@example.com", password=password,
        )
        for i in range(args.users)
    ]
    User.objects.bulk_create(users, batch_size=500)
    users = list(User.objects.filter(username_key__startswith="bench_"))
    now = datetime.now(UTC)
    events = []
    for user in users:
        for _ in range(args.events_per_user):
            city, lon, lat = rng.choice(CITIES)
            title = f"{city} {rng.choice(WORDS)} {rng.randrange(1000)}"
            start = now + timedelta(days=rng.uniform(1, 365))
            events.append(
                Event(
                    title=title, title_words=title_words(title), description="Seeded for the benchmark.",
                    location=city, start_time=start, end_time=start + timedelta(hours=3), created_by=user,
                    tags=rng.sample(TAGS, 2), status="scheduled", coordinates={"type": "Point", "coordinates": [lon, lat]},
                )
            )
    Event.objects.bulk_create(events, batch_size=500)
    owned: dict[str, list[str]] = {}
    for event_id, owner_id in Event.objects.values_list("id", "created_by_id"):
        owned.setdefault(str(owner_id), []).append(str(event_id))
    out = [
        {"id": str(user.pk), "username": user.username, "token": issue_tokens(user)["access"], "events": owned.get(str(user.pk), [])}
        for user in users
    ]
    with open(args.out, "w") as file:
        json.dump({"users": out, "tags": TAGS, "words": WORDS, "cities": CITIES}, file)
    print(f"seeded {len(users)} users and {len(events)} events")


if __name__ == "__main__":
    main()
