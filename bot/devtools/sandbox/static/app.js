// The sandbox page: a small Slack client for one emulated workspace. It shows what the chosen
// person would see (/api/state), reads it again when the emulator reports a change (/api/changes
// long poll), and sends everything a person does through the sandbox API, which plays Slack
// toward the real bot.

import { h, renderBlocks } from "./blocks.js";
import { $, act, api, byTs, channelById, ephemeralsIn, hooks, setStatus, toast, ui } from "./state.js";
import { avatar, envFor, messageNode, renderModal } from "./views.js";

const SUGGESTIONS = [
  "/platform help",
  "/platform catalog",
  "/platform request postgres-database billing env=prod",
  "/platform request service",
  "/platform list mine",
];

// -- keeping up with the sandbox -----------------------------------------------------------------

async function refresh() {
  const state = await api(`/api/state?user=${encodeURIComponent(ui.me)}`);
  ui.state = state;
  ui.seq = state.seq;
  ui.refreshedAt = Date.now();
  render();
}

async function poll() {
  for (;;) {
    try {
      const answer = await api(`/api/changes?since=${ui.seq}&timeout=20`);
      // A quiet minute still refreshes: the bot's clock in the top bar moves on its own.
      if (answer.changed || Date.now() - ui.refreshedAt > 60000) await refresh();
      else ui.seq = answer.seq;
    } catch (error) {
      setStatus(`Lost the sandbox (${error.message}); retrying…`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      try {
        await refresh();
        setStatus("");
      } catch {
        // still away: the loop tries again
      }
    }
  }
}

// -- rendering -----------------------------------------------------------------------------------

function render() {
  if (!ui.state) return;
  if (ui.view.kind === "channel" && !channelById(ui.view.id)) ui.view = { kind: "channel", id: "C0REQUESTS" };
  if (ui.thread && !channelById(ui.thread.channel)) ui.thread = null;
  renderTopbar();
  renderSidebar();
  if (ui.view.kind === "home") renderHome();
  else renderChannel();
  renderThread();
  renderModal();
  const where = ui.view.kind === "home" ? "home=1" : `channel=${ui.view.id}`;
  history.replaceState(null, "", `#user=${ui.me}&${where}`);
}

function renderTopbar() {
  const state = ui.state;
  $("team-name").textContent = state.team.name;
  const select = $("whoami");
  if (!select.options.length) {
    for (const p of state.people.filter((p) => !p.is_bot)) {
      const team = p.team ? ` (${p.team})` : "";
      select.append(h("option", { value: p.id }, `${p.real_name} — ${p.roles.join(", ")}${team}`));
    }
  }
  select.value = ui.me;
  // The bot's time decides the after-hours rules; with the system clock that is real behaviour.
  const clock = state.clock;
  const hours = clock.business_hours_label ? ` (${clock.business_hours_label})` : "";
  const inside = clock.business_hours ? `business hours${hours}` : "";
  const status = clock.business_hours === false ? `outside business hours${hours}` : inside;
  const node = $("clock");
  node.replaceChildren(h("div", {}, `Bot time ${clock.label}${status ? ` · ${status}` : ""}`));
  if (clock.business_hours === false && clock.after_hours_rules.length) {
    node.append(h("div", { class: "clock-rule" }, clock.after_hours_rules.join(" ")));
  }
  node.classList.toggle("after-hours", clock.business_hours === false);
}

function unreadCount(channel) {
  const seen = ui.lastSeen[ui.me]?.[channel.id] || 0;
  return [...channel.messages, ...ephemeralsIn(channel.id)].filter((m) => parseFloat(m.ts) > seen).length;
}

function navItem(label, { active, unread, onclick, testid, title, muted }) {
  const classes = ["nav-item", active && "active", unread && "unread", muted && "muted"].filter(Boolean);
  const click = (e) => {
    e.preventDefault();
    onclick();
  };
  return h(
    "li",
    {},
    h(
      "a",
      { href: "#", class: classes.join(" "), onclick: click, "data-testid": testid, title },
      h("span", { class: "nav-label" }, label),
      unread ? h("span", { class: "badge" }, String(unread)) : null,
    ),
  );
}

function renderSidebar() {
  const isOpen = (id) => ui.view.kind === "channel" && ui.view.id === id;
  const entry = (c, label, extra = {}) =>
    navItem(label, {
      active: isOpen(c.id),
      unread: isOpen(c.id) ? 0 : unreadCount(c),
      onclick: () => navigate({ kind: "channel", id: c.id }),
      testid: `nav-${c.id}`,
      ...extra,
    });
  const home = navItem("platformbot", { active: ui.view.kind === "home", onclick: openHome, testid: "nav-home" });
  $("app-list").replaceChildren(home);
  const channels = ui.state.channels.filter((c) => c.kind === "channel");
  $("channel-list").replaceChildren(
    ...channels.map((c) => {
      const member = c.members.includes(ui.me);
      const title = member ? null : "You are not a member; you can read it";
      return entry(c, `# ${c.name}`, { muted: !member, title });
    }),
  );
  $("dm-list").replaceChildren(...ui.state.channels.filter((c) => c.kind === "im").map((c) => entry(c, c.name)));
}

// Rebuild a list only when what it shows changed, and keep the reader at the bottom if they were.
function updateList(container, key, data, build, { stick = true } = {}) {
  const signature = JSON.stringify(data);
  if (ui.signatures[key] === signature) return;
  const fresh = ui.signatures[key] === undefined;
  ui.signatures[key] = signature;
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  container.replaceChildren(...build());
  if (stick && (fresh || atBottom)) container.scrollTop = container.scrollHeight;
}

const dmId = () => ui.state.channels.find((c) => c.kind === "im")?.id;

function renderHome() {
  const home = ui.state.home;
  const homeTarget = { kind: "view", view_id: home?.id };
  $("composer-area").hidden = true;
  const messagesTab = h(
    "a",
    { href: "#", class: "tab", onclick: (e) => (e.preventDefault(), navigate({ kind: "channel", id: dmId() })) },
    "Messages",
  );
  $("pane-header").replaceChildren(
    h("div", { class: "pane-title" }, avatar(null, true), " platformbot"),
    h("div", { class: "tabs" }, h("span", { class: "tab active" }, "Home"), messagesTab),
  );
  const build = () => [
    home
      ? h("div", { class: "home", "data-testid": "home" }, renderBlocks(home.blocks, envFor(homeTarget)))
      : h("div", { class: "empty" }, "Opening the Home tab…"),
  ];
  updateList($("messages"), "home", [ui.me, home], build, { stick: false });
}

function renderChannel() {
  const channel = channelById(ui.view.id);
  const im = channel.kind === "im";
  $("composer-area").hidden = false;
  const topic = im ? "Direct messages with the app (read-only: use /platform commands)" : channel.topic;
  $("pane-header").replaceChildren(
    h("div", { class: "pane-title", "data-testid": "pane-title" }, im ? channel.name : `# ${channel.name}`),
    h("div", { class: "pane-topic" }, topic || `${channel.members.length} members`),
  );
  const items = [...channel.messages, ...ephemeralsIn(channel.id)].sort(byTs);
  const build = () =>
    items.length
      ? items.map((m) => messageNode(m, channel.id, { ephemeral: Boolean(m.ephemeral) }))
      : [h("div", { class: "empty" }, emptyHint(channel))];
  updateList($("messages"), `channel:${ui.me}:${channel.id}`, [ui.me, items], build);
  const newest = items.reduce((max, m) => Math.max(max, parseFloat(m.ts)), 0);
  ui.lastSeen[ui.me] = { ...(ui.lastSeen[ui.me] || {}), [channel.id]: newest };
  $("composer-input").placeholder = im ? "Type /platform … here" : `Message #${channel.name} — try /platform help`;
  const chip = (text) => h("button", { type: "button", class: "chip", onclick: () => fillComposer(text) }, text);
  $("suggestions").replaceChildren(...SUGGESTIONS.map(chip));
}

function emptyHint(channel) {
  if (channel.kind === "im") {
    return "Nothing yet. The bot writes here when it has something only for you (credentials, for one).";
  }
  return "No messages yet. Type /platform help below, or pick a suggestion.";
}

function renderThread() {
  const pane = $("thread");
  if (!ui.thread) {
    pane.hidden = true;
    $("thread-messages").replaceChildren();
    document.body.classList.remove("with-thread");
    return;
  }
  const channel = channelById(ui.thread.channel);
  const parent = channel.messages.find((m) => m.ts === ui.thread.ts);
  pane.hidden = false;
  document.body.classList.add("with-thread");
  $("thread-title").textContent = `Thread · ${channel.kind === "im" ? channel.name : `#${channel.name}`}`;
  const replies = channel.threads[ui.thread.ts] || [];
  const items = [...replies, ...ephemeralsIn(channel.id, ui.thread.ts)].sort(byTs);
  const count = `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`;
  updateList($("thread-messages"), `thread:${ui.me}:${channel.id}:${ui.thread.ts}`, [ui.me, parent, items], () => [
    parent ? messageNode(parent, channel.id, { inThread: true }) : h("div", { class: "empty" }, "It is gone."),
    h("div", { class: "thread-divider" }, count),
    ...items.map((m) => messageNode(m, channel.id, { inThread: true, ephemeral: Boolean(m.ephemeral) })),
  ]);
}

// -- navigation ----------------------------------------------------------------------------------

function navigate(view) {
  ui.view = view;
  ui.thread = null;
  ui.signatures = {};
  render();
  if (view.kind === "channel") $("composer-input").focus();
}

// Slack sends app_home_opened each time the tab is opened; the bot answers with views.publish.
async function openHome() {
  navigate({ kind: "home" });
  await act(api("/api/home", {}));
}

function openThread(channel, ts) {
  if (ui.view.kind !== "channel" || ui.view.id !== channel) {
    ui.view = { kind: "channel", id: channel };
    ui.signatures = {};
  }
  ui.thread = { channel, ts };
  render();
  $("thread-input").focus();
}

function wireLinks() {
  // Channel mentions and the emulator's permalinks navigate inside the page.
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a.channel-link, a.permalink");
    if (!link) return;
    e.preventDefault();
    const channel = channelById(link.dataset.channel);
    if (!channel) return toast("That conversation is not visible to you.");
    if (link.classList.contains("permalink") && channel.messages.some((m) => m.ts === link.dataset.ts)) {
      return openThread(channel.id, link.dataset.ts);
    }
    navigate({ kind: "channel", id: channel.id });
  });
}

// -- composing -----------------------------------------------------------------------------------

function fillComposer(text) {
  const input = $("composer-input");
  setDraft(input, text, []);
  input.focus();
  input.setSelectionRange(text.length, text.length);
}

// `/platform ...` goes out as a slash command (channel = the open one); anything else is a message.
// Either way the text goes the way a Slack client sends it (wireText): picked people as mentions.
async function send(input, threadTs) {
  const draft = draftOf(input);
  const text = input.value.trim();
  if (!text || ui.view.kind !== "channel") return;
  const channel = threadTs ? ui.thread.channel : ui.view.id;
  const entry = { value: input.value, mentions: draft.mentions };
  ui.history.push(entry);
  ui.historyAt = ui.history.length;
  closeMenu(input);
  setDraft(input, "", []);
  const wire = wireText(entry.value, entry.mentions).trim();
  const done = text.startsWith("/")
    ? await act(api("/api/command", { channel, text: wire }))
    : await act(api("/api/message", { channel, text: wire, thread_ts: threadTs || null }));
  if (!done) setDraft(input, entry.value, entry.mentions); // refused: give the text back to fix
}

function wireComposer(form, input, threadTs) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(input, threadTs());
  });
  input.addEventListener("keydown", (e) => {
    if (menuKey(input, e)) return;
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send(input, threadTs());
    } else if (e.key === "ArrowUp" && !input.value && ui.history.length) {
      e.preventDefault();
      ui.historyAt = Math.max(0, ui.historyAt - 1);
      const entry = ui.history[ui.historyAt];
      setDraft(input, entry.value, entry.mentions);
    }
  });
  input.addEventListener("input", () => {
    trackEdit(input);
    updateMenu(input);
  });
  // The caret moved without an edit: the word under it may (no longer) be an @-query.
  input.addEventListener("keyup", (e) => {
    if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) updateMenu(input);
  });
  input.addEventListener("click", () => updateMenu(input));
  input.addEventListener("blur", () => closeMenu(input));
}

// -- mentions: @-autocomplete in the composers ---------------------------------------------------
// As in Slack's client: a person picked from the list is a mention, sent as `<@U123|name>`; what is
// only typed (`@riley`) stays text, which names nobody. The textarea holds what the person sees;
// the picked stretches are tracked beside it and move with edits (editing inside one breaks it).

const drafts = new WeakMap(); // input -> { value, mentions: [{ start, end, id, name }] }
const menus = new WeakMap(); // input -> { node, people, active }
const MAX_CHOICES = 8;

function draftOf(input) {
  if (!drafts.has(input)) drafts.set(input, { value: input.value, mentions: [] });
  return drafts.get(input);
}

function setDraft(input, value, mentions) {
  input.value = value;
  drafts.set(input, { value, mentions: mentions.map((m) => ({ ...m })) });
}

// Move the picked stretches over an edit: the changed range is what lies between the common
// prefix and the common suffix of the text before and after it.
function trackEdit(input) {
  const draft = draftOf(input);
  const before = draft.value;
  const after = input.value;
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const changedEnd = before.length - tail;
  const shift = after.length - before.length;
  draft.mentions = draft.mentions.flatMap((m) => {
    if (m.end <= head) return [m];
    if (m.start >= changedEnd) return [{ ...m, start: m.start + shift, end: m.end + shift }];
    return []; // edited inside: it is text again
  });
  draft.value = after;
}

// Slack's client escapes its three control characters and writes each mention as markup.
export function wireText(value, mentions) {
  const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  let out = "";
  let at = 0;
  for (const m of [...mentions].sort((a, b) => a.start - b.start)) {
    out += `${escape(value.slice(at, m.start))}<@${m.id}|${escape(m.name)}>`;
    at = m.end;
  }
  return out + escape(value.slice(at));
}

// The `@word` just before the caret, if the caret is right after one that is not a mention yet.
function mentionQuery(input) {
  const caret = input.selectionStart;
  if (caret !== input.selectionEnd) return null;
  const match = input.value.slice(0, caret).match(/(?:^|[\s=,(])@([^\s@,<>]{0,40})$/);
  if (!match) return null;
  const start = caret - match[1].length - 1;
  if (draftOf(input).mentions.some((m) => start >= m.start && start < m.end)) return null;
  return { start, end: caret, text: match[1].toLowerCase() };
}

function matchingPeople(query) {
  const words = (p) => [p.name, p.real_name, ...p.real_name.split(/\s+/)].map((w) => w.toLowerCase());
  return ui.state.people
    .filter((p) => !p.is_bot && words(p).some((w) => w.startsWith(query.text)))
    .slice(0, MAX_CHOICES);
}

function updateMenu(input) {
  const query = mentionQuery(input);
  const people = query && ui.state ? matchingPeople(query) : [];
  if (!people.length) return closeMenu(input);
  const open = menus.get(input);
  const kept = open ? people.findIndex((p) => p.id === open.people[open.active]?.id) : -1;
  const menu = { node: open?.node || menuNode(input), people, active: Math.max(kept, 0) };
  menus.set(input, menu);
  drawMenu(input, menu);
}

function menuNode(input) {
  const node = h("ul", { class: "mention-menu", role: "listbox", "data-testid": "mention-menu" });
  // Through the CSSOM: the page's CSP refuses inline style attributes.
  Object.assign(node.style, {
    position: "absolute",
    bottom: "100%",
    left: "0",
    margin: "0 0 4px",
    padding: "4px 0",
    listStyle: "none",
    background: "#fff",
    border: "1px solid #bbb",
    borderRadius: "8px",
    boxShadow: "0 4px 16px rgba(0,0,0,.18)",
    minWidth: "300px",
    zIndex: "5",
  });
  input.form.style.position = "relative";
  input.form.append(node);
  return node;
}

function drawMenu(input, menu) {
  menu.node.replaceChildren(
    ...menu.people.map((p, index) => {
      const active = index === menu.active;
      const item = h(
        "li",
        {
          role: "option",
          "aria-selected": active ? "true" : "false",
          "data-user": p.id,
          // mousedown, not click: the textarea keeps its focus and caret.
          onmousedown: (e) => {
            e.preventDefault();
            pickPerson(input, p);
          },
        },
        avatar(p, false),
        h("span", { class: "author" }, p.real_name),
        h("span", { class: "optional" }, `@${p.name}`),
      );
      Object.assign(item.style, {
        display: "flex",
        alignItems: "center",
        gap: "8px",
        padding: "3px 12px",
        cursor: "pointer",
        background: active ? "#1264a3" : "",
        color: active ? "#fff" : "",
      });
      const face = item.firstChild;
      Object.assign(face.style, { flexBasis: "22px", width: "22px", height: "22px", fontSize: "10px" });
      if (active) item.lastChild.style.color = "#dbe8f5";
      return item;
    }),
  );
}

function closeMenu(input) {
  menus.get(input)?.node.remove();
  menus.delete(input);
}

// Keys the open list takes before the composer: true when the key was for the list.
function menuKey(input, e) {
  const menu = menus.get(input);
  if (!menu) return false;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    const step = e.key === "ArrowDown" ? 1 : -1;
    menu.active = (menu.active + step + menu.people.length) % menu.people.length;
    drawMenu(input, menu);
  } else if (e.key === "Enter" || e.key === "Tab") {
    pickPerson(input, menu.people[menu.active]);
  } else if (e.key === "Escape") {
    closeMenu(input);
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

function pickPerson(input, person) {
  const query = mentionQuery(input);
  closeMenu(input);
  if (!query) return;
  const label = `@${person.real_name}`;
  const rest = input.value.slice(query.end);
  const gap = /^[\s,]/.test(rest) ? "" : " ";
  input.value = input.value.slice(0, query.start) + label + gap + rest;
  trackEdit(input);
  const draft = draftOf(input);
  draft.mentions.push({ start: query.start, end: query.start + label.length, id: person.id, name: person.name });
  const caret = query.start + label.length + gap.length;
  input.setSelectionRange(caret, caret);
  input.focus();
}

async function main() {
  Object.assign(hooks, { render, navigate, openThread });
  wireComposer($("composer"), $("composer-input"), () => null);
  wireComposer($("thread-composer"), $("thread-input"), () => ui.thread?.ts);
  wireLinks();
  $("thread-close").addEventListener("click", () => {
    ui.thread = null;
    render();
  });
  $("whoami").addEventListener("change", async (e) => {
    ui.me = e.target.value;
    ui.signatures = {};
    ui.modalKey = null;
    await act(refresh());
    if (ui.view.kind === "home") await act(api("/api/home", {}));
  });
  await refresh();
  if (ui.view.kind === "home") await act(api("/api/home", {}));
  document.body.dataset.ready = "1";
  poll();
}

main().catch((error) => setStatus(`The sandbox page could not start: ${error.message}`));
