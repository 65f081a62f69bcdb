"""schemathesis (PyPI, in .venv-fuzz) against both services' published OpenAPI schemas, on a system of its
own, with a real user's token: the examples, coverage and fuzzing phases within a time budget per
service. It fails on any 5xx, any status code, content type or header the schema does not declare, and
any body that breaks the schema. The rate limits are raised so that the fuzzer's load is not abuse; what
they answer is declared in the schema and tested elsewhere."""

import subprocess
from pathlib import Path

import pytest

from .clients import register_and_log_in
from .harness import RunningSystem

SCHEMATHESIS = Path(__file__).resolve().parents[2] / ".venv-fuzz" / "bin" / "schemathesis"
SECONDS_PER_SERVICE = 45
BUCKET = "eventhub-fuzz-attachments"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server, so that attachment uploads are configured (unconfigured, they are a 503 by design)."""
    import boto3

    from manage_scripts.s3_server import moto_s3_server

    with moto_s3_server() as url:
        boto3.client("s3", region_name="us-east-1", endpoint_url=url, aws_access_key_id="fuzz", aws_secret_access_key="fuzz").create_bucket(Bucket=BUCKET)
        yield url


@pytest.fixture(scope="module")
def fuzzed_system(tmp_path_factory, s3_server):
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis is not installed: `make test` installs it (requirements/fuzz.txt)")
    system = RunningSystem(
        tmp_path_factory.mktemp("fuzz-logs"),
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=s3_server,
        AWS_ACCESS_KEY_ID="fuzz",
        AWS_SECRET_ACCESS_KEY="fuzz",
        LOGIN_RATE_LIMIT="100000/m",
        LOGIN_FAILURE_LIMIT="100000/m",
        REGISTRATION_RATE_LIMIT="100000/m",
        EVENT_WRITE_RATE_LIMIT="100000/m",
    )
    try:
        system.start_all()
        yield system, register_and_log_in(system.event_api, "fuzzer")
    finally:
        system.stop_all()


def fuzz(base_url: str, token: str, report: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{base_url}/api/schema/", "--url", base_url,
            "--header", f"Authorization: Bearer {token}",
            "--phases", "examples,coverage,fuzzing", "--checks", CHECKS,
            "--max-time", str(SECONDS_PER_SERVICE), "--workers", "2", "--request-timeout", "10",
            "--continue-on-failure", "--report", "junit", "--report-dir", str(report),
            "--seed", "1",
        ],
        capture_output=True, text=True, timeout=SECONDS_PER_SERVICE * 4,
    )


@pytest.mark.parametrize("service", ["event_api", "notifications"])
def test_the_published_schema_holds_under_fuzzing(fuzzed_system, service, tmp_path):
    system, user = fuzzed_system
    result = fuzz(getattr(system, service), user.token, tmp_path)
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
