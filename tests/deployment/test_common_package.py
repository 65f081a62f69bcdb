"""The shared package installs whole: a non-editable install (the container image's) ships every module."""

import tomllib
from pathlib import Path

COMMON = Path(__file__).resolve().parents[2] / "common"


def test_every_subpackage_and_data_file_is_declared():
    setup = tomllib.loads((COMMON / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(COMMON).parts)
        for init in (COMMON / "eventhub_common").rglob("__init__.py")
    }
    declared = set(setup["packages"])
    assert on_disk <= declared, on_disk - declared
    schemas = list((COMMON / "eventhub_common" / "schemas").glob("*.json"))
    assert schemas and setup["package-data"]["eventhub_common.schemas"] == ["*.json"]
