// What the page knows and how it talks to the sandbox: shared by the views and the app shell.

const params = new URLSearchParams(location.hash.slice(1));

export const ui = {
  me: params.get("user") || "U0REQ",
  view: params.get("home") ? { kind: "home" } : { kind: "channel", id: params.get("channel") || "C0REQUESTS" },
  thread: null, // {channel, ts}
  state: null, // the last /api/state snapshot
  seq: 0,
  refreshedAt: 0,
  lastSeen: {}, // person -> channel -> newest ts seen there
  dismissed: new Set(), // ephemerals the person dismissed (Slack forgets them too)
  modalKey: null,
  signatures: {}, // list key -> what it showed last, to skip rebuilding unchanged lists
  history: [],
  historyAt: 0,
};

// The app shell fills these in; views call them without importing the shell (no import cycle).
export const hooks = { render: () => {}, navigate: () => {}, openThread: () => {} };

export const $ = (id) => document.getElementById(id);

export async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ user: ui.me, ...body }),
        };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok || data.ok === false) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

// An action's failure is shown, not thrown: the page stays usable.
export async function act(promise) {
  try {
    return await promise;
  } catch (error) {
    toast(error.message);
    return null;
  }
}

let toastTimer = null;
export function toast(message) {
  const node = $("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.hidden = true), 6000);
}

export function setStatus(text) {
  $("status").textContent = text;
  $("status").hidden = !text;
}

export const person = (id) => ui.state.people.find((p) => p.id === id);
export const channelById = (id) => ui.state.channels.find((c) => c.id === id);

// Names and links for mrkdwn.
export function ctx() {
  const state = ui.state;
  return {
    me: ui.me,
    userName: (id) => person(id)?.real_name || null,
    channelName: (id) => channelById(id)?.name || null,
    groupHandle: (id) => state.usergroups.find((g) => g.id === id)?.handle || null,
    permalink: (url) => {
      // The emulator's permalinks (http://<emulator>/archives/C123/p1700000000123456) open here.
      const prefix = `${state.emulator_url}/archives/`;
      if (!url.startsWith(prefix)) return null;
      const match = url.slice(prefix.length).match(/^([A-Z0-9]+)\/p(\d{7,})/);
      if (!match) return null;
      const digits = match[2];
      return { channel: match[1], ts: `${digits.slice(0, -6)}.${digits.slice(-6)}` };
    },
  };
}

export function fmtTime(ts) {
  const date = new Date(parseFloat(ts) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export const byTs = (a, b) => parseFloat(a.ts) - parseFloat(b.ts);

// The person's ephemerals in a channel: top-level ones (threadTs null) or one thread's.
export function ephemeralsIn(channelId, threadTs = null) {
  return ui.state.ephemerals
    .filter((e) => e.channel === channelId && (e.thread_ts || null) === threadTs && !ui.dismissed.has(e.ts))
    .map((e) => ({ ...e, ephemeral: true }));
}
