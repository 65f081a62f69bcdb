"""The browser client in headless Chromium: log in, live notifications, subscriptions, history, reconnection."""

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from .clients import PASSWORD, register_and_log_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-results" / "browser-client.png"
AXE = Path(__file__).resolve().parents[2] / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="Debian's chromium and chromium-driver are not installed (make test installs them when it can)",
)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for CSP violations
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(predicate, timeout=10.0, message="condition"):
    """Poll until `predicate()` is truthy. The page re-renders its lists as notifications arrive, so an
    element found a moment ago may be gone: that counts as not yet."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except StaleElementReferenceException:
            result = None
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def click(browser, selector: str, message: str) -> None:
    """Click the first element matching `selector` once the page shows one (retried if it was re-rendered)."""
    from selenium.webdriver.common.by import By

    def attempt():
        found = browser.find_elements(By.CSS_SELECTOR, selector)
        if found:
            found[0].click()
        return bool(found)

    wait_for(attempt, message=message)


def accessibility_violations(browser) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules)."""
    assert AXE.exists(), "axe-core is not installed: `make test` installs it (make axe)"
    browser.execute_script(AXE.read_text())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(done, (error) => done({error: String(error)}));"
    )
    assert "error" not in result, result
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"] if violation["impact"] in ("serious", "critical")
    ]


def register_and_log_in_headers(system, username: str) -> dict:
    """Bearer headers of a user who registered on the page (password PASSWORD)."""
    login = httpx.post(f"{system.event_api}/api/auth/login/", json={"username": username, "password": PASSWORD}, timeout=10)
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access']}"}


def create_event(system, user, title, **fields) -> str:
    start = datetime.now(UTC) + timedelta(days=5)
    body = {
        "title": title, "description": "browser test", "location": "Porto",
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        **fields,
    }
    response = httpx.post(f"{system.event_api}/api/events/", json=body, headers=user.headers, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_browser_client_end_to_end(system, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    organiser = register_and_log_in(system.event_api, "organiser")
    first_event = create_event(system, organiser, "Before login")

    # A new user registers on the page and is logged in.
    browser.get(f"{system.notifications}/")
    browser.set_script_timeout(30)
    assert accessibility_violations(browser) == []
    register = browser.find_element(By.ID, "register-form")
    for name, value in (("username", "viewer"), ("email", "viewer@example.com"), ("password", PASSWORD), ("password2", PASSWORD)):
        register.find_element(By.NAME, name).send_keys(value)
    register.find_element(By.CSS_SELECTOR, "button").click()
    wait_for(lambda: browser.find_element(By.ID, "connection").text == "online", message="WebSocket online")
    assert browser.find_element(By.ID, "whoami").text == "viewer"

    # Live: a created event reaches the page.
    create_event(system, organiser, "Live one")
    wait_for(lambda: "Live one" in browser.find_element(By.ID, "live").text, message="live notification")

    # Subscribe from the page, then an update reaches it.
    click(browser, f'#events tr[data-id="{first_event}"] button', message="event row")
    wait_for(
        lambda: browser.find_element(By.CSS_SELECTOR, f'#events tr[data-id="{first_event}"] button').text == "Unsubscribe",
        message="subscribed",
    )
    httpx.patch(f"{system.event_api}/api/events/{first_event}/", json={"title": "Renamed"}, headers=organiser.headers)
    wait_for(lambda: "Renamed" in browser.find_element(By.ID, "live").text, message="update notification")

    # Attendance: the one seat is taken, the viewer joins the waiting list from the page, the seat frees up,
    # and the promotion reaches the viewer's socket and the page.
    one_seat = create_event(system, organiser, "One seat", max_attendees=1)
    taker = register_and_log_in(system.event_api, "seattaker")
    taken = httpx.post(f"{system.event_api}/api/events/{one_seat}/attendance/", headers=taker.headers, timeout=10)
    assert taken.json() == {"status": "going", "position": None}
    row = f'#events tr[data-id="{one_seat}"]'
    click(browser, f"{row} button.attend", message="attend")  # the page may still show the seat: the API decides
    wait_for(lambda: "#1 in line" in browser.find_element(By.CSS_SELECTOR, row).text, message="waitlist position")
    assert "full" in browser.find_element(By.CSS_SELECTOR, row).text
    httpx.delete(f"{system.event_api}/api/events/{one_seat}/attendance/", headers=taker.headers, timeout=10)
    wait_for(lambda: "promoted" in browser.find_element(By.ID, "live").text, message="promotion notification")
    wait_for(lambda: "you're going" in browser.find_element(By.CSS_SELECTOR, row).text, message="promoted on the page")
    assert browser.find_element(By.CSS_SELECTOR, f"{row} button.attend").text == "Leave"

    # The page's own event form: every field on create, an edit, and a delete that asks first.
    form = browser.find_element(By.ID, "event-form")
    for name, value in (("title", "Page-made"), ("location", "Lisbon"), ("description", "from the form"),
                        ("max_attendees", "12"), ("tags", "jazz, live"), ("longitude", "-9.14"), ("latitude", "38.72")):
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.ID, "event-submit").click()
    row = "#events tbody td:first-child"
    wait_for(lambda: "Page-made" in [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, row)], message="created from the form")
    made = httpx.get(f"{system.event_api}/api/events/?mine=true", headers=register_and_log_in_headers(system, "viewer")).json()["results"]
    (page_made,) = [event for event in made if event["title"] == "Page-made"]
    assert page_made["tags"] == ["jazz", "live"] and page_made["max_attendees"] == 12 and page_made["description"] == "from the form"
    assert page_made["coordinates"] == {"type": "Point", "coordinates": [-9.14, 38.72]}
    click(browser, f'#events tr[data-id="{page_made["id"]}"] button', message="edit button")
    title = browser.find_element(By.CSS_SELECTOR, "#event-form [name=title]")
    title.clear()
    title.send_keys("Page-edited")
    browser.find_element(By.ID, "event-submit").click()
    wait_for(lambda: "Page-edited" in [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, row)], message="edited")
    browser.find_elements(By.CSS_SELECTOR, f'#events tr[data-id="{page_made["id"]}"] button')[1].click()
    WebDriverWait(browser, 10).until(expected_conditions.alert_is_present()).accept()
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, f'#events tr[data-id="{page_made["id"]}"]'), message="deleted")

    # History: unread items can be marked read, one by one and all at once.
    click(browser, "#history li.unread button", message="unread history")
    browser.find_element(By.ID, "read-all").click()
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, "#history li.unread"), message="all read")

    # A dropped connection: the notification service goes away, an event is created meanwhile,
    # and the page reconnects with `since` and shows what it missed.
    system.stop("notifications")
    wait_for(lambda: browser.find_element(By.ID, "connection").text != "online", message="offline")
    create_event(system, organiser, "While you were away")
    time.sleep(1.0)
    system.start("notifications")
    wait_for(lambda: browser.find_element(By.ID, "connection").text == "online", timeout=30, message="reconnected")
    wait_for(lambda: "While you were away" in browser.find_element(By.ID, "live").text, message="missed notification")
    live_titles = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#live li")]
    assert sum("While you were away" in title for title in live_titles) == 1

    assert accessibility_violations(browser) == []  # the app, logged in, with notifications and events shown

    # The page did all that under its Content Security Policy, which the browser enforced without a violation.
    policy = httpx.get(f"{system.notifications}/", timeout=10).headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    violations = [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert not violations, violations

    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
