"""The API documentation states the configured limits in words."""

import pytest

from eventhub_common.rate_limits import describe_rate


@pytest.mark.parametrize(
    ("rate", "words"),
    [("5/m", "5 a minute"), ("10/15m", "10 in 15 minutes"), ("10/h", "10 an hour"), ("3/2d", "3 in 2 days"), ("odd", "odd")],
)
def test_rates_in_words(rate, words):
    assert describe_rate(rate) == words


def test_the_login_documentation_states_the_configured_limits(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    description = schema["paths"]["/api/auth/login/"]["post"]["description"]
    assert "At most 5 a minute attempts" in description and "reach 10 in 15 minutes" in description
