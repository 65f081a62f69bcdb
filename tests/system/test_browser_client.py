"""The browser client in headless Chromium: log in, live notifications, subscriptions, history, reconnection;
the badge from the socket's counts, the notifications panel (seen, archive), preferences and event mutes."""

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


def create_event(system, user, title, days=5, **fields) -> str:
    start = datetime.now(UTC) + timedelta(days=days)
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

    # History, in the notifications panel: unread items can be marked read, one by one and all at once.
    click(browser, "#inbox-toggle", message="notifications button")
    click(browser, "#history li.unread button.read", message="unread history")
    browser.find_element(By.ID, "read-all").click()
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, "#history li.unread"), message="all read")
    wait_for(lambda: badge(browser) == (0, 0), message="the badge after opening the panel and reading all")

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


def badge(browser) -> tuple[int, int] | None:
    """(unseen, unread) as the page's badge shows them; None before the socket's first counts frame."""
    shown = browser.execute_script(
        "return [...document.querySelectorAll('#counts [data-count]')].map((element) => Number(element.dataset.count));"
    )
    return tuple(shown) if len(shown) == 2 else None


def rest_counts(system, user) -> tuple[int, int]:
    counts = httpx.get(f"{system.notifications}/api/notifications/counts/", headers=user.headers, timeout=10).json()
    return counts["unseen"], counts["unread"]


def history_ids(system, user, **params) -> list[str]:
    page = httpx.get(f"{system.notifications}/api/notifications/", params={"page_size": 100, **params}, headers=user.headers, timeout=10)
    return [item["id"] for item in page.json()["results"]]


def test_browser_client_badge_panel_archive_preferences_and_mutes(system, browser):
    """The badge follows the socket's counts live; opening the panel marks everything seen; Archive takes an
    item out of the list (and the archived view brings it back); a preference saved in the panel and an
    event's Mute each stop the next notification they cover from showing, while a later one still shows."""
    from selenium.webdriver.common.by import By

    poster = register_and_log_in(system.event_api, "poster")
    noisy = register_and_log_in(system.event_api, "noisy")
    reader = register_and_log_in(system.event_api, "reader")
    followed = create_event(system, poster, "Followed", days=1)  # early: first in the page's events list
    subscribed = httpx.post(f"{system.notifications}/api/events/{followed}/subscription/", headers=reader.headers, timeout=10)
    assert subscribed.status_code in (200, 201), subscribed.text

    def live() -> str:
        return browser.find_element(By.ID, "live").text

    def rename(title: str) -> None:
        httpx.patch(f"{system.event_api}/api/events/{followed}/", json={"title": title}, headers=poster.headers, timeout=10).raise_for_status()

    # Log in on the page's login form; the badge comes from the socket's first counts frame.
    browser.get(f"{system.notifications}/")
    browser.set_script_timeout(30)
    login = browser.find_element(By.ID, "login-form")
    login.find_element(By.NAME, "login").send_keys("reader")
    login.find_element(By.NAME, "password").send_keys(PASSWORD)
    login.find_element(By.CSS_SELECTOR, "button").click()
    wait_for(lambda: browser.find_element(By.ID, "connection").text == "online", message="WebSocket online")
    wait_for(lambda: badge(browser), message="first counts")
    assert badge(browser) == rest_counts(system, reader)
    assert browser.find_element(By.ID, "counts").get_attribute("role") == "status"  # announced (aria-live)
    assert browser.find_element(By.ID, "inbox-panel").get_attribute("hidden") is not None  # closed at first

    # Live: another user creates an event and the badge counts it, new and unread.
    unseen, unread = badge(browser)
    create_event(system, poster, "Badge bump")
    wait_for(lambda: badge(browser) == (unseen + 1, unread + 1), message="badge counting the new event")
    assert browser.title.startswith(f"({unseen + 1})")

    # Opening the panel lists history (the new one marked new) and marks everything seen: unseen clears.
    click(browser, "#inbox-toggle", message="notifications button")
    assert browser.find_element(By.ID, "inbox-toggle").get_attribute("aria-expanded") == "true"
    (bump_id,) = [item["id"] for item in httpx.get(
        f"{system.notifications}/api/notifications/", headers=reader.headers, timeout=10).json()["results"]
        if item["event"]["title"] == "Badge bump"]
    item = f'#history li[data-id="{bump_id}"]'
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"{item} .new"), message="the new item in the panel")
    wait_for(lambda: badge(browser) == (0, unread + 1), message="unseen cleared by opening the panel")
    assert rest_counts(system, reader) == (0, unread + 1)
    assert not browser.title.startswith("(")

    # Archive takes it out of the list (and out of the unread count); the archived view lists it and unarchives.
    click(browser, f"{item} button.archive", message="archive button")
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, item), message="archived item gone")
    wait_for(lambda: badge(browser) == (0, unread), message="unread without the archived one")
    assert bump_id not in history_ids(system, reader) and bump_id in history_ids(system, reader, archived="true")
    assert "Archived: Badge bump" in browser.find_element(By.ID, "inbox-status").text
    click(browser, "#archived-only", message="archived view")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"{item} button.archive"), message="listed as archived")
    assert browser.find_element(By.CSS_SELECTOR, f"{item} button.archive").text == "Unarchive"
    click(browser, f"{item} button.archive", message="unarchive button")
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, item), message="gone from the archived view")
    click(browser, "#archived-only", message="back to the inbox")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, item), message="back in the list")
    wait_for(lambda: badge(browser) == (0, unread + 1), message="unread again")
    assert bump_id in history_ids(system, reader)

    assert accessibility_violations(browser) == []  # badge, open panel with its buttons, preferences, mute buttons

    # A preference saved in the panel: a muted creator's next event does not show; a later one by another does.
    preferences = browser.find_element(By.ID, "preferences-form")
    preferences.find_element(By.NAME, "muted_creators").send_keys("noisy")
    browser.find_element(By.ID, "preferences-save").click()
    wait_for(lambda: "Saved" in browser.find_element(By.ID, "preferences-status").text, message="preferences saved")
    stored = httpx.get(f"{system.notifications}/api/notifications/preferences/", headers=reader.headers, timeout=10).json()
    assert stored["mute_created"] is False and stored["muted_creators"] == ["noisy"]
    unseen, unread = badge(browser)
    create_event(system, noisy, "Noisy news")
    create_event(system, poster, "After the creator mute")
    wait_for(lambda: "After the creator mute" in live(), message="the later new event")
    assert "Noisy news" not in live() and "Noisy news" not in browser.find_element(By.ID, "history").text
    wait_for(lambda: badge(browser) == (unseen + 1, unread + 1), message="only the later event counted")

    # "Mute all new events": the next new event does not show; an update of a followed event still does.
    preferences.find_element(By.NAME, "muted_creators").clear()
    preferences.find_element(By.NAME, "mute_created").click()
    browser.execute_script("document.querySelector('#preferences-status').textContent = '';")
    browser.find_element(By.ID, "preferences-save").click()
    wait_for(lambda: "Saved" in browser.find_element(By.ID, "preferences-status").text, message="mute all saved")
    stored = httpx.get(f"{system.notifications}/api/notifications/preferences/", headers=reader.headers, timeout=10).json()
    assert stored["mute_created"] is True and stored["muted_creators"] == []
    create_event(system, poster, "Quiet please")
    rename("Followed, renamed")
    wait_for(lambda: "Followed, renamed" in live(), message="the update after muting new events")
    assert "Quiet please" not in live()
    preferences.find_element(By.NAME, "mute_created").click()
    browser.execute_script("document.querySelector('#preferences-status').textContent = '';")
    browser.find_element(By.ID, "preferences-save").click()
    wait_for(lambda: "Saved" in browser.find_element(By.ID, "preferences-status").text, message="new events back on")

    # Mute on the event's row: its next update does not show, a later new event does; Unmute brings updates back.
    mute = f'#events tr[data-id="{followed}"] button.mute'
    click(browser, mute, message="mute button")
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, mute).text == "Unmute", message="muted")
    stored = httpx.get(f"{system.notifications}/api/notifications/preferences/", headers=reader.headers, timeout=10).json()
    assert stored["muted_events"] == [followed]
    rename("Renamed while muted")
    create_event(system, poster, "After the event mute")
    wait_for(lambda: "After the event mute" in live(), message="the new event after the mute")
    assert "Renamed while muted" not in live()
    click(browser, mute, message="unmute button")
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, mute).text == "Mute", message="unmuted")
    rename("Renamed after unmute")
    wait_for(lambda: "Renamed after unmute" in live(), message="updates back after unmuting")

    # A replay the server cannot complete (here: the page reconnects with a cursor the server does not know)
    # makes the page reload its history list: the stale item planted in it goes.
    browser.execute_script(
        "const stale = document.createElement('li'); stale.id = 'stale-item'; stale.textContent = 'stale';"
        "document.querySelector('#history').append(stale);"
        "const previous = state.socket; state.lastNotificationId = '0123456789abcdef01234567'; connect(); previous.close();"
    )
    wait_for(lambda: not browser.find_elements(By.ID, "stale-item"), message="history reloaded after an incomplete replay")
    wait_for(lambda: browser.find_element(By.ID, "connection").text == "online", message="reconnected")
    assert browser.find_elements(By.CSS_SELECTOR, item)
    wait_for(lambda: badge(browser) == rest_counts(system, reader), message="the badge agreeing with the API at the end")

    violations = [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert not violations, violations
