"""A current cached read is answered in front of Django, and only when Django would have given the same answer."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.test import RequestFactory

from accounts.selectors import user_cache_key
from accounts.tokens import issue_tokens
from events.read_fast_path import CachedReads

from .factories import make_event

pytestmark = pytest.mark.django_db


@dataclass
class Answer:
    status: str
    headers: list
    body: bytes
    by_django: bool

    def header(self, name):
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class Reads:
    """The service's WSGI stack (`CachedReads` over Django), called the way a WSGI server calls it."""

    def __init__(self):
        self.django_calls = 0
        django_app = get_wsgi_application()

        def counted(environ, start_response):
            self.django_calls += 1
            return django_app(environ, start_response)

        self.app = CachedReads(counted)

    def get(self, path, user=None, **extra) -> Answer:
        if user is not None:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {issue_tokens(user)['access']}")
        environ = RequestFactory().get(path, **extra).environ
        started, calls = {}, self.django_calls
        body = b"".join(self.app(environ, lambda status, headers, exc_info=None: started.update(s=status, h=headers)))
        return Answer(started["s"], started["h"], body, self.django_calls > calls)


@pytest.fixture
def reads():
    return Reads()


def warm(reads, path, user):
    """Read `path` through Django: it stores the copy and caches the reader, and the headers of its answer
    are learned."""
    answer = reads.get(path, user)
    assert (answer.status, answer.by_django) == ("200 OK", True)
    return answer


def test_a_current_copy_is_answered_without_django_exactly_as_django_answered(reads, user):
    event = make_event(user)
    through_django = warm(reads, f"/api/events/{event.pk}/", user)
    fast = reads.get(f"/api/events/{event.pk}/", user)
    assert not fast.by_django
    assert (fast.status, fast.headers, fast.body) == (through_django.status, through_django.headers, through_django.body)
    assert fast.header("X-Content-Type-Options") == "nosniff"  # the middleware's headers come along


def test_list_pages_are_answered_without_django(reads, user):
    make_event(user, title="Listed")
    warm(reads, "/api/events/?page_size=5", user)
    answer = reads.get("/api/events/?page_size=5", user)
    assert not answer.by_django
    assert b'"Listed"' in answer.body


def test_mine_is_answered_without_django_and_only_to_its_reader(reads, user, other_user):
    make_event(user, title="Mine")
    make_event(other_user, title="Theirs")
    warm(reads, "/api/events/?mine=true", user)
    warm(reads, "/api/events/?mine=true", other_user)
    theirs, mine = reads.get("/api/events/?mine=true", other_user), reads.get("/api/events/?mine=true", user)
    assert not theirs.by_django and not mine.by_django
    assert b'"Theirs"' in theirs.body and b'"Mine"' not in theirs.body
    assert b'"Mine"' in mine.body and b'"Theirs"' not in mine.body
    for answer in (theirs, mine):  # headers learned from one answer, lengths of each
        assert int(answer.header("Content-Length")) == len(answer.body)


def test_nothing_is_answered_before_django_has_answered_such_a_read(reads, user):
    event = make_event(user)
    reads.get(f"/api/events/{event.pk}/", user)  # stores the copy, caches the reader
    cache.set(user_cache_key(user.pk), cache.get(user_cache_key(user.pk)))
    fresh = Reads()  # another worker: same cache, nothing learned yet
    assert fresh.get(f"/api/events/{event.pk}/", user).by_django
    assert not fresh.get(f"/api/events/{event.pk}/", user).by_django


def test_a_deactivated_reader_is_refused_although_the_copy_is_current(reads, user, other_user):
    event = make_event(user)  # not the reader's: saving the reader leaves this copy current
    warm(reads, f"/api/events/{event.pk}/", other_user)
    token = issue_tokens(other_user)["access"]
    other_user.is_active = False
    other_user.save()
    for _ in range(2):  # the first refusal caches the deactivated user; the second meets it in the cache
        answer = reads.get(f"/api/events/{event.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert (answer.status, answer.by_django) == ("401 Unauthorized", True)
        assert b'"user_not_found"' in answer.body


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Token abc", "Bearer", ""],
    ids=["malformed token", "other scheme", "no token", "empty header"],
)
def test_a_reader_without_a_valid_token_is_refused_by_django(reads, user, authorization):
    event = make_event(user)
    warm(reads, f"/api/events/{event.pk}/", user)
    answer = reads.get(f"/api/events/{event.pk}/", HTTP_AUTHORIZATION=authorization)
    assert (answer.status, answer.by_django) == ("401 Unauthorized", True)
    assert b'"error"' in answer.body


def test_an_uncached_reader_of_a_current_copy_is_looked_up_and_cached_without_django(reads, user):
    event = make_event(user)
    expected = warm(reads, f"/api/events/{event.pk}/", user)
    cache.delete(user_cache_key(user.pk))
    answer = reads.get(f"/api/events/{event.pk}/", user)
    assert (answer.status, answer.by_django, answer.body) == ("200 OK", False, expected.body)
    assert cache.get(user_cache_key(user.pk)).pk == user.pk


def test_an_uncached_deactivated_reader_is_refused_by_django(reads, user, other_user):
    event = make_event(user)
    warm(reads, f"/api/events/{event.pk}/", other_user)
    token = issue_tokens(other_user)["access"]
    type(other_user).objects.filter(pk=other_user.pk).update(is_active=False)  # no signal: the cache keeps it
    cache.delete(user_cache_key(other_user.pk))
    answer = reads.get(f"/api/events/{event.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (answer.status, answer.by_django) == ("401 Unauthorized", True)


def test_an_uncached_reader_of_a_stale_copy_goes_to_django(reads, user):
    event = make_event(user)
    warm(reads, f"/api/events/{event.pk}/", user)
    cache.delete(user_cache_key(user.pk))
    event.title = "Renamed"
    event.save()
    answer = reads.get(f"/api/events/{event.pk}/", user)
    assert (answer.by_django, b"Renamed" in answer.body) == (True, True)


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_ACCEPT": "text/html"},
        {"QUERY_STRING": "format=api"},
        {"HTTP_ACCEPT": "application/json; indent=4"},
        {"HTTP_ORIGIN": "http://127.0.0.1:8001"},
        {"HTTP_COOKIE": "sessionid=abc"},
        {"secure": True},  # https on port 443: same host, other scheme
    ],
    ids=["accept html", "format=api", "indented json", "cross-origin", "cookie", "other scheme"],
)
def test_other_requests_go_to_django(reads, user, extra):
    event = make_event(user)
    warm(reads, f"/api/events/{event.pk}/", user)
    answer = reads.get(f"/api/events/{event.pk}/", user, **extra)
    assert answer.status == "200 OK"
    assert answer.by_django


def test_a_cross_origin_read_gets_djangos_cors_headers(reads, user):
    event = make_event(user)
    warm(reads, f"/api/events/{event.pk}/", user)
    answer = reads.get(f"/api/events/{event.pk}/", user, HTTP_ORIGIN="http://127.0.0.1:8001")
    assert answer.header("Access-Control-Allow-Origin") == "http://127.0.0.1:8001"


def test_a_disallowed_host_is_refused_by_django(reads, user):
    event = make_event(user)
    warm(reads, f"/api/events/{event.pk}/", user)
    answer = reads.get(f"/api/events/{event.pk}/", user, HTTP_HOST="evil.example")
    assert (answer.status, answer.by_django) == ("400 Bad Request", True)


def test_a_stale_copy_is_not_served(reads, user):
    event = make_event(user, title="Before")
    warm(reads, f"/api/events/{event.pk}/", user)
    event.title = "After"
    event.save()
    answer = reads.get(f"/api/events/{event.pk}/", user)
    assert answer.by_django and b'"After"' in answer.body


def test_a_malformed_id_is_a_404_in_the_error_shape(reads, user):
    answer = reads.get("/api/events/not-an-object-id/", user)
    assert (answer.status, answer.by_django) == ("404 Not Found", True)
    assert b'"not_found"' in answer.body


def test_the_service_serves_django_behind_the_cached_reads():
    from config.wsgi import application

    assert isinstance(application, CachedReads)
