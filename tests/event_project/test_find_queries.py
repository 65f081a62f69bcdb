"""Plain reads go to MongoDB as `find`, everything else as upstream's pipeline, with the same results."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from .factories import make_event

pytestmark = pytest.mark.django_db

BASE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


@pytest.fixture
def events(user):
    made = []
    for day, tags in enumerate((["a"], ["b"], ["a", "b"], [], ["a"])):
        start = BASE + timedelta(days=day % 3)  # ties on start_time, broken by _id
        made.append(make_event(user, title=f"event {day}", tags=tags, start_time=start, end_time=start + timedelta(hours=1)))
    return made


def sent(queryset) -> tuple[str, list]:
    """The operation the ORM sent for `queryset` and the ids it returned."""
    with CaptureQueriesContext(connection) as captured:
        ids = [event.pk for event in queryset]
    operation = captured.captured_queries[-1]["sql"].split("(", 1)[0].rsplit(".", 1)[-1]
    return operation, ids


def pipeline_ids(queryset) -> list:
    """The ids upstream's aggregation pipeline returns for the same query."""
    compiler = queryset.query.get_compiler(connection.alias)
    compiler.pre_sql_setup()
    query = compiler.build_query(None)
    return [document["_id"] for document in connection.get_collection("events_event").aggregate(query.get_pipeline())]


@pytest.mark.parametrize(
    "build",
    [
        lambda qs: qs.order_by("start_time", "id")[:3],
        lambda qs: qs.order_by("-start_time", "-id")[1:4],
        lambda qs: qs.filter(tags__has_element="a").order_by("start_time", "id"),
        lambda qs: qs.filter(start_time__gt=BASE).order_by("-start_time", "id")[:2],
        lambda qs: qs.order_by("title")[2:],
    ],
    ids=["first-page", "descending-with-skip", "filtered", "range", "skip-only"],
)
def test_plain_reads_are_sent_as_find_with_the_pipelines_results(events, build):
    from events.models import Event

    operation, ids = sent(build(Event.objects.all()))
    assert operation == "find"
    assert ids == pipeline_ids(build(Event.objects.all()))
    assert ids  # every case selects something


def test_joins_and_computed_fields_stay_pipelines(events):
    from events.models import Event

    assert sent(Event.objects.select_related("created_by").order_by("start_time"))[0] == "aggregate"
    assert sent(Event.objects.annotate(n=Count("id")).order_by("start_time"))[0] == "aggregate"


def test_an_empty_slice_is_empty_not_unlimited(events):
    from events.models import Event

    assert list(Event.objects.order_by("start_time")[2:2]) == []


def test_a_failing_find_raises_django_database_error(events):
    from django.db import DatabaseError

    from events.models import Event

    with pytest.raises(DatabaseError):
        list(Event.objects.filter(title__regex="(unclosed").order_by("start_time")[:5])
