"""The socket process's collector settings: parsed strictly, applied once the application is loaded."""

import gc

import pytest
from eventhub_common.env import MissingSetting

from config.gc_tuning import parse_thresholds, tune_collector


def test_thresholds_are_read_as_integers():
    assert parse_thresholds(["10000", "10", "10"]) == (10000, 10, 10)
    assert parse_thresholds(["5000"]) == (5000,)


@pytest.mark.parametrize("values", [[], ["ten"], ["1", "2", "3", "4"], ["-1", "10", "10"]])
def test_a_malformed_setting_is_a_clear_error(values):
    with pytest.raises(MissingSetting, match="NOTIFICATION_GC_THRESHOLDS"):
        parse_thresholds(values)


def test_tuning_freezes_what_is_loaded_and_sets_the_thresholds():
    before = gc.get_threshold()
    try:
        tune_collector((12345, 11, 9))
        assert gc.get_threshold() == (12345, 11, 9)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_service_tunes_its_collector_from_the_settings(settings):
    from config import asgi  # noqa: F401 - loading the application applies the settings

    assert settings.GC_THRESHOLDS == (10000, 10, 10)
    assert gc.get_threshold() == settings.GC_THRESHOLDS
