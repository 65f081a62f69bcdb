"""The Django admin shows users, events and the outbox, and admin edits are published like API edits."""

import re

import pytest

from .factories import make_event, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_changelists_and_change_pages_render(admin_client, user):
    event = make_event(user)
    for url in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/events/event/",
        f"/admin/events/event/{event.pk}/change/",
        "/admin/outbox/outboxmessage/",
        "/admin/outbox/relaylease/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_admin_search_and_filters(admin_client, user):
    make_event(user, title="Searchable gathering")
    assert b"Searchable gathering" in admin_client.get("/admin/events/event/?q=Searchable").content
    assert admin_client.get("/admin/events/event/?status__exact=canceled").status_code == 200
    assert admin_client.get(f"/admin/accounts/user/?q={user.username}").status_code == 200


def test_admin_bulk_delete_writes_outbox_records(admin_client, user):
    from outbox.models import OutboxMessage

    events = [make_event(user, title=f"bulk {n}") for n in range(2)]
    response = admin_client.post(
        "/admin/events/event/",
        {"action": "delete_selected", "_selected_action": [str(event.pk) for event in events], "post": "yes"},
    )
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(routing_key="event.deleted").count() == 2


def test_events_filter_by_start_time_and_tag_and_the_outbox_shows_its_backlog(admin_client, user):
    make_event(user, title="Tagged jazz night", tags=["jazz", "live"])
    make_event(user, title="Untagged talk")
    changelist = admin_client.get("/admin/events/event/")
    assert b"jazz (1)" in changelist.content and b"start time" in changelist.content.lower()
    tagged = admin_client.get("/admin/events/event/?tag=jazz").content
    assert b"Tagged jazz night" in tagged and b"Untagged talk" not in tagged
    assert admin_client.get("/admin/events/event/?start_time__gte=2000-01-01+00%3A00%3A00%2B00%3A00").status_code == 200
    outbox = admin_client.get("/admin/outbox/outboxmessage/").content.decode()
    assert re.search(r"Outbox: [1-9]\d* pending, the oldest for \d+\.\d s", outbox)  # no relay runs in this suite
