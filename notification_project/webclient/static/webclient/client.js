// EventHub browser client: register or log in, receive live notifications with an unread/unseen badge, manage
// events, subscriptions, attendance and mutes, read and archive history, set notification preferences.
// Plain JavaScript, no build step. The access token lives in sessionStorage for this tab only.
"use strict";

const EVENT_API = document.body.dataset.eventApi.replace(/\/$/, "");
const WS_URL = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/notifications/`;
const $ = (selector) => document.querySelector(selector);

const state = {
  token: sessionStorage.getItem("access"),
  username: sessionStorage.getItem("username"),
  socket: null,
  lastNotificationId: sessionStorage.getItem("lastNotificationId"),
  shown: new Set(), // notification ids already in the live feed (a `since` replay may repeat one)
  reconnectDelay: 500,
  reconnectTimer: null,
  subscriptions: new Set(),
  attendance: new Map(), // event id -> {status, position} for the events this user goes to or waits for
  historyNext: null,
  historyLoads: 0, // a reload drops the answers of the ones it overtook
  counts: null, // {unread, unseen} from the socket's last `counts` frame
  mutedEvents: new Set(),
};

// ---- HTTP ---------------------------------------------------------------------------------

async function api(url, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && state.token) {
    logOut("Your session expired; please log in again.");
    throw new Error("unauthenticated");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.error ? data.error : { message: response.statusText };
    const details = error.details ? " " + Object.entries(error.details).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ") : "";
    throw new Error(error.message + details);
  }
  return data;
}

// ---- session ------------------------------------------------------------------------------

async function logIn(login, password) {
  const body = login.includes("@") ? { email: login, password } : { username: login, password };
  state.token = null;
  const tokens = await api(`${EVENT_API}/api/auth/login/`, { method: "POST", body });
  state.token = tokens.access;
  const me = await api(`${EVENT_API}/api/auth/me/`);
  state.username = me.username;
  sessionStorage.setItem("access", state.token);
  sessionStorage.setItem("username", state.username);
  start();
}

async function register(form) {
  if (form.password.value !== form.password2.value) throw new Error("The two passwords differ.");
  state.token = null;
  await api(`${EVENT_API}/api/auth/register/`, {
    method: "POST",
    body: { username: form.username.value.trim(), email: form.email.value.trim(), password: form.password.value },
  });
  await logIn(form.username.value.trim(), form.password.value);
}

function logOut(message) {
  sessionStorage.clear();
  state.token = null;
  state.lastNotificationId = null;
  if (state.socket) state.socket.close(1000);
  clearTimeout(state.reconnectTimer);
  $("#app").hidden = true;
  $("#login-panel").hidden = false;
  $("#logout").hidden = true;
  $("#whoami").textContent = "";
  $("#login-error").textContent = message || "";
  $("#inbox-toggle").hidden = true;
  setInboxOpen(false);
  state.counts = null;
  renderCounts();
  setConnection("offline");
}

function start() {
  $("#login-panel").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  $("#whoami").textContent = state.username;
  $("#inbox-toggle").hidden = false;
  connect();
  const preferences = loadPreferences().catch((error) => {
    $("#preferences-error").textContent = error.message;
  });
  Promise.all([loadSubscriptions(), preferences]).then(loadEvents).catch(showEventsError);
}

// ---- WebSocket with automatic reconnection and missed-notification recovery ----------------

function setConnection(status) {
  const badge = $("#connection");
  badge.textContent = status;
  badge.className = `badge ${status}`;
}

function connect() {
  if (!state.token) return;
  const params = new URLSearchParams({ token: state.token });
  if (state.lastNotificationId) params.set("since", state.lastNotificationId);
  setConnection("connecting");
  const socket = new WebSocket(`${WS_URL}?${params}`);
  state.socket = socket;
  socket.onopen = () => setConnection("online");
  socket.onmessage = (frame) => handleFrame(JSON.parse(frame.data));
  socket.onclose = (event) => {
    if (state.socket !== socket) return;
    setConnection("offline");
    if (!state.token || event.code === 1000) return;
    if (event.code === 4001) {
      logOut("Your session expired; please log in again.");
      return;
    }
    state.reconnectTimer = setTimeout(connect, state.reconnectDelay);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 15000);
  };
}

function handleFrame(message) {
  if (message.type === "counts") {
    state.reconnectDelay = 500; // set up (a socket closed at once, 1013 say, keeps backing off)
    state.counts = { unread: message.unread, unseen: message.unseen };
    renderCounts();
  } else if (message.type === "recovered") {
    // An incomplete `since` replay (an unknown id, or more than the replay limit): history has the rest.
    if (!message.complete) reloadHistoryIfOpen();
  } else if (message.type === "notification") {
    showNotification(message);
  } // acks, pongs and errors need no display
}

function showNotification(message) {
  if (message.id && state.shown.has(message.id)) return;
  if (message.id) {
    state.shown.add(message.id);
    state.lastNotificationId = message.id;
    sessionStorage.setItem("lastNotificationId", message.id);
  }
  $("#live").prepend(notificationItem(message, false));
  $("#live-count").textContent = $("#live").children.length;
  if (inboxOpen() && !$("#archived-only").checked) {
    $("#history").prepend(notificationItem(message, true));
    $("#history-empty").hidden = true;
  }
  if (message.notification_type !== "event.updated") loadEvents().catch(showEventsError);
}

function notificationItem(notification, inHistory) {
  const li = document.createElement("li");
  li.dataset.id = notification.id || "";
  const unread = inHistory && !notification.read;
  if (unread) li.classList.add("unread");
  const text = document.createElement("span");
  const kind = document.createElement("span");
  kind.className = `kind ${notification.event.action}`;
  kind.textContent = notification.event.action;
  const title = document.createElement("strong");
  title.textContent = notification.event.title;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = ` by ${notification.user} · ${new Date(notification.event.timestamp).toLocaleString()}`;
  text.append(kind, title, meta);
  if (inHistory && !notification.seen) {
    const fresh = document.createElement("span");
    fresh.className = "new";
    fresh.textContent = "new";
    text.append(" ", fresh);
  }
  li.append(text);
  if (!inHistory || !notification.id) return li;
  const actions = document.createElement("span");
  actions.className = "actions";
  if (unread) {
    const read = document.createElement("button");
    read.className = "small secondary read";
    read.textContent = "Mark read";
    read.setAttribute("aria-label", `Mark read: ${notification.event.title}`);
    read.onclick = () => markRead(notification, li, read).catch(showInboxError);
    actions.append(read);
  }
  const archived = Boolean(notification.archived);
  const archive = document.createElement("button");
  archive.className = "small secondary archive";
  archive.textContent = archived ? "Unarchive" : "Archive";
  archive.setAttribute("aria-label", `${archive.textContent}: ${notification.event.title}`);
  archive.onclick = () => setArchived(notification, li, !archived).catch(showInboxError);
  actions.append(archive);
  li.append(actions);
  return li;
}

// ---- counts (the badge) -----------------------------------------------------------------

function renderCounts() {
  const counts = $("#counts");
  if (!state.counts) {
    counts.replaceChildren();
    document.title = "EventHub notifications";
    return;
  }
  const { unread, unseen } = state.counts;
  const badge = document.createElement("span");
  badge.id = "unseen-count";
  badge.className = `count ${unseen ? "unseen" : "none"}`;
  badge.dataset.count = unseen;
  badge.textContent = `${unseen} new`;
  const rest = document.createElement("span");
  rest.id = "unread-count";
  rest.dataset.count = unread;
  rest.textContent = `${unread} unread`;
  counts.replaceChildren(badge, " ", rest);
  document.title = unseen ? `(${unseen}) EventHub notifications` : "EventHub notifications";
}

// After a change in this tab the server sends new counts over the socket; without one open, ask for them.
function afterInboxChange() {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) return;
  api("/api/notifications/counts/").then((counts) => {
    state.counts = counts;
    renderCounts();
  }).catch(() => {});
}

// ---- the notifications panel: history, seen, archive ------------------------------------

function inboxOpen() {
  return $("#inbox-toggle").getAttribute("aria-expanded") === "true";
}

function setInboxOpen(open) {
  $("#inbox-toggle").setAttribute("aria-expanded", String(open));
  $("#inbox-panel").hidden = !open;
  if (!open) $("#history").replaceChildren();
}

// Opening the panel shows history as it is (what is new marked so) and then marks everything so far seen.
async function openInbox() {
  setInboxOpen(true);
  try {
    await loadHistory(true);
  } finally {
    await api("/api/notifications/seen/", { method: "POST" });
    afterInboxChange();
  }
}

function reloadHistoryIfOpen() {
  if (inboxOpen()) loadHistory(true).catch(showInboxError);
}

function historyUrl() {
  const params = new URLSearchParams({ page_size: "20" });
  if ($("#unread-only").checked) params.set("unread", "true");
  if ($("#archived-only").checked) params.set("archived", "true");
  return `/api/notifications/?${params}`;
}

async function loadHistory(reset) {
  const url = reset ? historyUrl() : state.historyNext;
  if (!url) return;
  const load = reset ? ++state.historyLoads : state.historyLoads;
  const page = await api(url);
  if (load !== state.historyLoads || !inboxOpen()) return; // a newer reload (or a close) overtook this one
  if (reset) $("#history").replaceChildren();
  for (const item of page.results) $("#history").append(notificationItem(item, true));
  state.historyNext = page.next;
  $("#history-more").hidden = !page.next;
  $("#history-empty").hidden = $("#history").children.length > 0;
}

async function markRead(notification, li, button) {
  await api(`/api/notifications/${notification.id}/read/`, { method: "POST" });
  li.classList.remove("unread");
  moveFocusFrom(button, li);
  button.remove();
  afterInboxChange();
}

async function setArchived(notification, li, archived) {
  const method = archived ? "POST" : "DELETE";
  await api(`/api/notifications/${notification.id}/archive/`, { method });
  moveFocusFrom(li.querySelector("button.archive"), li.nextElementSibling || li.previousElementSibling);
  li.remove();
  $("#history-empty").hidden = $("#history").children.length > 0;
  $("#inbox-status").textContent = `${archived ? "Archived" : "Unarchived"}: ${notification.event.title}`;
  afterInboxChange();
}

// A button that goes away hands keyboard focus on (to another button in `target`, else the panel's heading).
function moveFocusFrom(button, target) {
  if (document.activeElement !== button) return;
  const next = target && [...target.querySelectorAll("button")].find((other) => other !== button);
  if (next) next.focus();
  else {
    $("#inbox-title").tabIndex = -1;
    $("#inbox-title").focus();
  }
}

function showInboxError(error) {
  $("#inbox-status").textContent = `Failed: ${error.message}`;
}

// ---- preferences and event mutes --------------------------------------------------------

function showPreferences(preferences) {
  const form = $("#preferences-form");
  form.mute_created.checked = preferences.mute_created;
  form.muted_creators.value = preferences.muted_creators.join(", ");
  state.mutedEvents = new Set(preferences.muted_events);
  showMutedEvents();
}

function showMutedEvents() {
  const muted = state.mutedEvents.size;
  $("#muted-events").textContent = muted
    ? `${muted} event${muted === 1 ? "" : "s"} muted (Unmute in the events list).`
    : "No muted events (Mute in the events list stops an event's updates).";
}

async function loadPreferences() {
  showPreferences(await api("/api/notifications/preferences/"));
}

async function savePreferences(form) {
  const creators = form.muted_creators.value.split(/[\s,]+/).filter(Boolean);
  const saved = await api("/api/notifications/preferences/", {
    method: "PUT",
    body: { mute_created: form.mute_created.checked, muted_creators: [...new Set(creators)] },
  });
  showPreferences(saved);
  $("#preferences-status").textContent = `Saved at ${new Date().toLocaleTimeString()}.`;
}

function muteButton(event) {
  const muted = state.mutedEvents.has(event.id);
  const button = document.createElement("button");
  button.className = `small mute ${muted ? "secondary" : ""}`;
  button.textContent = muted ? "Unmute" : "Mute";
  button.title = muted ? "Show this event's updates again" : "Stop this event's update and deletion notifications";
  button.setAttribute("aria-label", `${button.textContent} ${event.title}`);
  button.onclick = () => toggleMute(event.id, muted).catch(showEventsError);
  return button;
}

async function toggleMute(eventId, muted) {
  await api(`/api/events/${eventId}/mute/`, { method: muted ? "DELETE" : "POST" });
  if (muted) state.mutedEvents.delete(eventId);
  else state.mutedEvents.add(eventId);
  showMutedEvents();
  await loadEvents();
}

// ---- events and subscriptions -------------------------------------------------------------

async function loadSubscriptions() {
  const page = await api("/api/subscriptions/");
  const items = Array.isArray(page) ? page : page.results;
  state.subscriptions = new Set(items.map((item) => item.event_id || (item.event && item.event.id)));
}

async function loadAttendance() {
  const page = await api(`${EVENT_API}/api/events/?attending=true&page_size=100`);
  const states = await Promise.all(page.results.map((event) => api(`${EVENT_API}/api/events/${event.id}/attendance/`)));
  state.attendance = new Map(page.results.map((event, index) => [event.id, states[index]]));
}

function seatsText(event) {
  const seats = event.seats_left === null ? "unlimited" : event.seats_left > 0 ? `${event.seats_left} left` : "full";
  const waiting = event.waitlist_count ? ` · ${event.waitlist_count} waiting` : "";
  const mine = state.attendance.get(event.id);
  const yours = !mine ? "" : mine.status === "going" ? " · you're going" : ` · you're #${mine.position} in line`;
  return `${seats}${waiting}${yours}`;
}

function attendButton(event) {
  const attending = state.attendance.has(event.id);
  const button = document.createElement("button");
  button.className = `small attend ${attending ? "secondary" : ""}`;
  button.textContent = attending ? "Leave" : event.seats_left === 0 ? "Join waitlist" : "Attend";
  button.setAttribute("aria-label", `${button.textContent} ${event.title}`);
  button.onclick = () => toggleAttendance(event.id, attending).catch(showEventsError);
  return button;
}

async function toggleAttendance(eventId, attending) {
  await api(`${EVENT_API}/api/events/${eventId}/attendance/`, { method: attending ? "DELETE" : "POST" });
  await loadEvents();
}

async function loadEvents() {
  const [page] = await Promise.all([api(`${EVENT_API}/api/events/?page_size=50`), loadAttendance()]);
  const body = $("#events tbody");
  body.replaceChildren();
  for (const event of page.results) {
    const row = document.createElement("tr");
    row.dataset.id = event.id;
    const cells = [event.title, new Date(event.start_time).toLocaleString(), event.created_by.username, seatsText(event)];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    const action = document.createElement("td");
    if (event.created_by.username !== state.username) {
      const subscribed = state.subscriptions.has(event.id);
      const button = document.createElement("button");
      button.className = `small ${subscribed ? "secondary" : ""}`;
      button.textContent = subscribed ? "Unsubscribe" : "Subscribe";
      button.onclick = () => toggleSubscription(event.id, subscribed).catch(showEventsError);
      action.append(button, " ", attendButton(event));
    } else {
      const edit = document.createElement("button");
      edit.className = "small";
      edit.textContent = "Edit";
      edit.setAttribute("aria-label", `Edit ${event.title}`);
      edit.onclick = () => editEvent(event);
      const remove = document.createElement("button");
      remove.className = "small secondary";
      remove.textContent = "Delete";
      remove.setAttribute("aria-label", `Delete ${event.title}`);
      remove.onclick = () => deleteEvent(event).catch(showEventsError);
      action.append(edit, " ", remove);
    }
    action.append(" ", muteButton(event));
    row.append(action);
    body.append(row);
  }
}

async function toggleSubscription(eventId, subscribed) {
  await api(`/api/events/${eventId}/subscription/`, { method: subscribed ? "DELETE" : "POST" });
  if (subscribed) state.subscriptions.delete(eventId);
  else state.subscriptions.add(eventId);
  await loadEvents();
}

// The one form creates and edits: every field of the API, local times in the inputs, UTC on the wire.
function localInput(iso) {
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function eventBody(form) {
  const tags = form.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean);
  const longitude = form.longitude.value, latitude = form.latitude.value;
  return {
    title: form.title.value,
    location: form.location.value,
    description: form.description.value,
    start_time: new Date(form.start_time.value).toISOString(),
    end_time: new Date(form.end_time.value).toISOString(),
    max_attendees: form.max_attendees.value ? Number(form.max_attendees.value) : null,
    tags,
    status: form.status.value,
    coordinates: longitude !== "" && latitude !== "" ? { type: "Point", coordinates: [Number(longitude), Number(latitude)] } : null,
  };
}

function resetEventForm() {
  const form = $("#event-form");
  form.reset();
  form.id.value = "";
  const start = new Date(Date.now() + 24 * 3600 * 1000);
  form.start_time.value = localInput(start.toISOString());
  form.end_time.value = localInput(new Date(start.getTime() + 2 * 3600 * 1000).toISOString());
  $("#event-form-title").textContent = "New event";
  $("#event-submit").textContent = "Create";
  $("#event-cancel").hidden = true;
}

function editEvent(event) {
  const form = $("#event-form");
  form.id.value = event.id;
  form.title.value = event.title;
  form.location.value = event.location;
  form.description.value = event.description || "";
  form.start_time.value = localInput(event.start_time);
  form.end_time.value = localInput(event.end_time);
  form.max_attendees.value = event.max_attendees ?? "";
  form.tags.value = (event.tags || []).join(", ");
  form.status.value = event.status;
  form.longitude.value = event.coordinates ? event.coordinates.coordinates[0] : "";
  form.latitude.value = event.coordinates ? event.coordinates.coordinates[1] : "";
  $("#event-form-title").textContent = `Editing “${event.title}”`;
  $("#event-submit").textContent = "Save changes";
  $("#event-cancel").hidden = false;
  form.title.focus();
}

async function saveEvent(form) {
  const id = form.id.value;
  const url = id ? `${EVENT_API}/api/events/${id}/` : `${EVENT_API}/api/events/`;
  await api(url, { method: id ? "PATCH" : "POST", body: eventBody(form) });
  resetEventForm();
  await loadEvents();
}

async function deleteEvent(event) {
  if (!confirm(`Delete “${event.title}”? Its subscribers are told.`)) return;
  await api(`${EVENT_API}/api/events/${event.id}/`, { method: "DELETE" });
  await loadEvents();
}

function showEventsError(error) {
  $("#events-error").textContent = error.message;
}

// ---- wiring -------------------------------------------------------------------------------

$("#login-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  const form = submit.target;
  $("#login-error").textContent = "";
  logIn(form.login.value.trim(), form.password.value).catch((error) => {
    $("#login-error").textContent = error.message;
  });
});
$("#logout").addEventListener("click", () => logOut());
$("#register-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  $("#register-error").textContent = "";
  register(submit.target).catch((error) => {
    $("#register-error").textContent = error.message;
  });
});
$("#event-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  $("#events-error").textContent = "";
  saveEvent(submit.target).catch(showEventsError);
});
$("#event-cancel").addEventListener("click", resetEventForm);
resetEventForm();
$("#refresh-events").addEventListener("click", () => loadEvents().catch(showEventsError));
$("#inbox-toggle").addEventListener("click", () => {
  if (inboxOpen()) setInboxOpen(false);
  else openInbox().catch(showInboxError);
});
$("#unread-only").addEventListener("change", () => loadHistory(true).catch(showInboxError));
$("#archived-only").addEventListener("change", () => loadHistory(true).catch(showInboxError));
$("#history-more").addEventListener("click", () => loadHistory(false).catch(showInboxError));
$("#read-all").addEventListener("click", async () => {
  await api("/api/notifications/read-all/", { method: "POST" }).catch(showInboxError);
  afterInboxChange();
  await loadHistory(true).catch(showInboxError);
});
$("#preferences-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  $("#preferences-error").textContent = "";
  $("#preferences-status").textContent = "";
  savePreferences(submit.target).catch((error) => {
    $("#preferences-error").textContent = error.message;
  });
});

if (state.token) start();
