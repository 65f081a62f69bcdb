"""Two event API nodes, two notification nodes and two consumers sharing one RabbitMQ and one MongoDB."""

import itertools
import re
import time

import httpx
import pytest

from .clients import PASSWORD, open_listener, register_and_log_in
from .harness import RunningSystem
from .test_end_to_end import QUIET_WAIT, event_body


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # The nodes sit behind "a load balancer": one trusted proxy hop, so each test client has its own IP.
    # At most 3 sockets per user, counted across both notification nodes.
    running = RunningSystem(
        tmp_path_factory.mktemp("multi-node-logs"), nodes=2, TRUSTED_PROXY_COUNT="1", WEBSOCKET_SOCKETS_PER_USER="3"
    )
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


def test_every_connection_on_any_node_gets_each_notification_exactly_once(cluster):
    api_a, api_b = cluster.event_api_urls
    ws_a, ws_b = cluster.websocket_urls
    dana = register_and_log_in(api_a, "dana", forwarded_for="198.51.100.10")
    eli = register_and_log_in(api_b, "eli", forwarded_for="198.51.100.11")
    # Dana has a tab on each node; Eli one on node B.
    sockets = [open_listener(ws_a, dana), open_listener(ws_b, dana), open_listener(ws_b, eli)]
    titles = [f"multi {n}" for n in range(10)]
    try:
        for title, api in zip(titles, itertools.cycle([api_a, api_b]), strict=False):
            assert httpx.post(f"{api}/api/events/", json=event_body(title), headers=dana.headers).status_code == 201
        for socket in sockets:
            received = socket.notifications(len(titles), timeout=15)
            assert sorted(item.payload["event"]["title"] for item in received) == sorted(titles)
            assert socket.notifications(1, timeout=QUIET_WAIT) == []
    finally:
        for socket in sockets:
            socket.close()

    # Two consumers shared the queue: each message became one history entry, not two.
    for user in (dana, eli):
        page = httpx.get(f"http://127.0.0.1:{cluster.ports.notification_ports()[1]}/api/notifications/?page_size=100", headers=user.headers).json()
        history = [item["event"]["title"] for item in page["results"] if item["event"]["title"].startswith("multi ")]
        assert sorted(history) == sorted(titles)


def test_sockets_per_user_are_counted_across_nodes(cluster):
    api_a, _ = cluster.event_api_urls
    ws_a, ws_b = cluster.websocket_urls
    fay = register_and_log_in(api_a, "fay", forwarded_for="198.51.100.12")
    sockets = [open_listener(ws_a, fay), open_listener(ws_b, fay), open_listener(ws_a, fay)]
    try:
        refused = open_listener(ws_b, fay)
        refused.thread.join(timeout=10)
        assert refused.close_code == 4029
        sockets.pop().close()
        sockets.append(again := open_listener(ws_b, fay))  # a slot freed on node A serves node B
        again.send({"action": "ping"})
        frames = [again.inbox.get(timeout=5).payload for _ in range(2)]  # the counts sent on connecting, then the pong
        assert {frame["type"] for frame in frames} == {"counts", "pong"}
    finally:
        for socket in sockets:
            socket.close()


def within_one_window(key: str, period: int = 60, needed: float = 15) -> None:
    """Wait, if need be, until django-ratelimit's fixed window for `key` has `needed` seconds left, so the
    count does not start again in the middle of a test."""
    from django_ratelimit.core import _get_window

    left = _get_window(key, period) - time.time()
    if left < needed:
        time.sleep(left + 1)


def admin_login(base: str, forwarded_for: str) -> httpx.Response:
    """A POST to a service's admin login form, with its CSRF token, as a browser sends it."""
    with httpx.Client(base_url=base, headers={"X-Forwarded-For": forwarded_for}) as browser:
        form = browser.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return browser.post("/admin/login/", data={"username": "frank", "password": "wrong", "csrfmiddlewaretoken": token})


def test_login_rate_limit_holds_across_nodes_and_both_services(cluster):
    api_a, api_b = cluster.event_api_urls
    notifications = f"http://127.0.0.1:{cluster.ports.notification_ports()[0]}"
    client = {"X-Forwarded-For": "198.51.100.20"}
    within_one_window(client["X-Forwarded-For"])
    register_and_log_in(api_a, "frank", forwarded_for=client["X-Forwarded-For"])  # one login already counts

    def api_login(api):
        return httpx.post(f"{api}/api/auth/login/", json={"username": "frank", "password": "wrong"}, headers=client)

    statuses = [
        api_login(api_b).status_code,
        admin_login(api_a, client["X-Forwarded-For"]).status_code,
        admin_login(notifications, client["X-Forwarded-For"]).status_code,
        api_login(api_a).status_code,
    ]
    assert statuses == [401, 200, 200, 401]  # admin forms answer 200 with the form again
    blocked = httpx.post(f"{api_b}/api/auth/login/", json={"username": "frank", "password": PASSWORD}, headers=client)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert admin_login(notifications, client["X-Forwarded-For"]).status_code == 429
    other_client = httpx.post(
        f"{api_a}/api/auth/login/", json={"username": "frank", "password": PASSWORD}, headers={"X-Forwarded-For": "198.51.100.21"}
    )
    assert other_client.status_code == 200


def test_a_change_on_one_node_is_read_at_once_on_the_other(cluster):
    """Both nodes serve reads from the shared cache; a write on either retires the copies for both."""
    api_a, api_b = cluster.event_api_urls
    gina = register_and_log_in(api_a, "gina", forwarded_for="198.51.100.30")
    created = httpx.post(f"{api_a}/api/events/", json=event_body("before"), headers=gina.headers)
    event_id = created.json()["id"]
    mine = "/api/events/?mine=true"
    for api in (api_a, api_b):  # each node caches both reads
        assert httpx.get(f"{api}/api/events/{event_id}/", headers=gina.headers).json()["title"] == "before"
        assert [e["title"] for e in httpx.get(f"{api}{mine}", headers=gina.headers).json()["results"]] == ["before"]
    patched = httpx.patch(f"{api_a}/api/events/{event_id}/", json={"title": "after"}, headers=gina.headers)
    assert patched.status_code == 200
    assert httpx.get(f"{api_b}/api/events/{event_id}/", headers=gina.headers).json()["title"] == "after"
    assert [e["title"] for e in httpx.get(f"{api_b}{mine}", headers=gina.headers).json()["results"]] == ["after"]
    assert httpx.delete(f"{api_b}/api/events/{event_id}/", headers=gina.headers).status_code == 204
    assert httpx.get(f"{api_a}/api/events/{event_id}/", headers=gina.headers).status_code == 404
    assert httpx.get(f"{api_a}{mine}", headers=gina.headers).json()["results"] == []
