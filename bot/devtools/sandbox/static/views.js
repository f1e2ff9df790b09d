// Messages, files, modals and confirm dialogs: the parts of the page that show what the bot sent.

import { h, readInputs, renderBlocks, textObject } from "./blocks.js";
import { mrkdwn } from "./mrkdwn.js";
import { $, act, api, ctx, fmtTime, hooks, person, toast, ui } from "./state.js";

export function avatar(p, isBot) {
  const name = isBot ? "platformbot" : p?.real_name || "?";
  const initials = name
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  const node = h("div", { class: `avatar${isBot ? " avatar-bot" : ""}` }, isBot ? "pb" : initials);
  let hue = 0;
  for (const ch of name) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  // Through the CSSOM: the page's CSP refuses inline style attributes.
  if (!isBot) node.style.background = `hsl(${hue} 45% 45%)`;
  return node;
}

// What a Block Kit surface needs: names for mrkdwn, Slack's confirm dialog, and where a click goes.
export function envFor(target, extra = {}) {
  return {
    ctx: ctx(),
    confirm: confirmDialog,
    act: (element, block, value) =>
      act(api("/api/click", { target, action_id: element.action_id, value: value ?? null })),
    ...extra,
  };
}

export function messageNode(message, channelId, { inThread = false, ephemeral = false } = {}) {
  const isBot = ephemeral || Boolean(message.bot_id);
  const author = isBot ? null : person(message.user);
  const kind = ephemeral ? "ephemeral" : "message";
  const env = envFor({ kind, channel: channelId, ts: message.ts });
  const body = message.blocks?.length
    ? renderBlocks(message.blocks, env)
    : h("div", { class: "mrkdwn", html: mrkdwn(message.text, env.ctx) });
  const meta = h(
    "div",
    { class: "message-meta" },
    h("span", { class: "author" }, isBot ? "platformbot" : author?.real_name || message.user),
    isBot ? h("span", { class: "app-badge" }, "APP") : null,
    h("span", { class: "time", title: message.ts }, fmtTime(message.ts)),
    message.edited ? h("span", { class: "edited" }, "(edited)") : null,
  );
  const dismiss = (e) => {
    e.preventDefault();
    ui.dismissed.add(message.ts);
    ui.signatures = {};
    hooks.render();
  };
  return h(
    "div",
    { class: `message${ephemeral ? " ephemeral" : ""}`, "data-ts": message.ts, "data-testid": kind },
    avatar(author, isBot),
    h(
      "div",
      { class: "message-main" },
      meta,
      ephemeral
        ? h("div", { class: "only-you" }, "Only visible to you · ", h("a", { href: "#", onclick: dismiss }, "Dismiss"))
        : null,
      body,
      (message.files || []).map(fileCard),
      !inThread && message.reply_count ? threadSummary(message, channelId) : null,
    ),
    !inThread && !ephemeral
      ? h(
          "button",
          { class: "reply-button", type: "button", onclick: () => hooks.openThread(channelId, message.ts) },
          "Reply",
        )
      : null,
  );
}

function threadSummary(message, channelId) {
  const users = (message.reply_users || []).map((id) => avatar(person(id), id === ui.state.bot_user_id));
  const open = (e) => {
    e.preventDefault();
    hooks.openThread(channelId, message.ts);
  };
  const count = `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`;
  return h(
    "a",
    { href: "#", class: "thread-summary", "data-testid": "thread-summary", onclick: open },
    h("span", { class: "reply-avatars" }, users),
    h("span", { class: "reply-count" }, count),
    h("span", { class: "reply-last" }, `Last reply ${fmtTime(message.latest_reply)}`),
  );
}

const SNIPPET_LINES = 14;

// A shared file from files_upload_v2: an image (the stats chart) as a picture, text (the plan
// diff) as a snippet, folded when long.
function fileCard(file) {
  if ((file.mimetype || "").startsWith("image/")) return imageCard(file);
  const lines = (file.preview || "").replace(/\n$/, "").split("\n");
  const pre = h(
    "pre",
    { class: `snippet snippet-${file.filetype}` },
    lines.map((line) => h("span", { class: `snippet-line ${diffClass(line, file.filetype)}` }, `${line}\n`)),
  );
  const card = h("div", { class: "file-card", "data-testid": "file" }, fileHead(file), pre);
  if (lines.length > SNIPPET_LINES) {
    const label = `Show all ${lines.length} lines`;
    const toggle = h("button", { type: "button", class: "file-toggle" }, label);
    toggle.addEventListener("click", () => {
      toggle.textContent = card.classList.toggle("collapsed") ? label : "Collapse";
    });
    card.classList.add("collapsed");
    card.append(toggle);
  }
  return card;
}

function fileHead(file) {
  return h(
    "div",
    { class: "file-head" },
    h("span", { class: "file-type" }, (file.pretty_type || "File").toUpperCase()),
    h("span", { class: "file-title" }, file.title || file.name),
    h("a", { class: "file-raw", href: file.url, target: "_blank" }, "Raw"),
  );
}

function imageCard(file) {
  const img = h("img", { class: "file-image", src: file.url, alt: file.alt_txt || file.title || file.name });
  return h("div", { class: "file-card file-card-image", "data-testid": "file" }, fileHead(file), img);
}

function diffClass(line, type) {
  if (type !== "diff") return "";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  if (line.startsWith("~")) return "diff-change";
  if (line.startsWith("@@")) return "diff-hunk";
  return "";
}

// -- modals --------------------------------------------------------------------------------------

export function renderModal() {
  const root = $("modal-root");
  const view = ui.state.modal;
  if (!view) {
    root.replaceChildren();
    ui.modalKey = null;
    return;
  }
  // Rebuilt only when the bot changed the view (a new hash): what the person typed stays.
  const key = `${view.id}:${view.hash}`;
  if (key !== ui.modalKey) {
    ui.modalKey = key;
    root.replaceChildren(modalNode(view));
  }
  showErrors(root, view.errors || {});
}

function modalNode(view) {
  const env = envFor({ kind: "view", view_id: view.id }, { errors: view.errors || {} });
  const body = h("div", { class: "modal-body" }, renderBlocks(view.blocks, env));
  drawPickers(body, view);
  const close = () => act(api("/api/view/close", { view_id: view.id }));
  const submit = async (event) => {
    event.preventDefault();
    const button = form.querySelector(".modal-submit");
    button.disabled = true;
    const values = { ...readInputs(body), ...readPickers(body) };
    const answer = await act(api("/api/view/submit", { view_id: view.id, values }));
    button.disabled = false;
    if (answer?.errors) showErrors(form, answer.errors);
  };
  const head = h(
    "div",
    { class: "modal-head" },
    view.depth > 1 ? h("span", { class: "modal-depth" }, "‹ ") : null,
    h("h2", { class: "modal-title" }, view.title?.text || ""),
    h("button", { type: "button", class: "modal-x", title: "Close", onclick: close }, "×"),
  );
  const foot = h(
    "div",
    { class: "modal-foot" },
    h("button", { type: "button", class: "btn btn-default modal-close", onclick: close }, view.close?.text || "Cancel"),
    view.submit ? h("button", { type: "submit", class: "btn btn-primary modal-submit" }, view.submit.text) : null,
  );
  const form = h(
    "form",
    { class: "modal", role: "dialog", "aria-modal": "true", "data-testid": "modal", onsubmit: submit },
    head,
    body,
    foot,
  );
  return h("div", { class: "overlay" }, form);
}

// -- pickers: Slack's people and channel selects, which the block renderer leaves to the modal ----
// Several: a list to tick, preselected with initial_users / initial_channels and held to
// max_selected_items. One: a select. Either way the choices are the workspace's own.

const PICKERS = {
  multi_users_select: { initial: "initial_users", several: true, of: "people" },
  users_select: { initial: "initial_user", several: false, of: "people" },
  multi_channels_select: { initial: "initial_channels", several: true, of: "channels" },
  channels_select: { initial: "initial_channel", several: false, of: "channels" },
};

function choicesFor(kind) {
  if (kind === "people") {
    return ui.state.people
      .filter((p) => !p.is_bot)
      .map((p) => ({ id: p.id, label: p.real_name, detail: `@${p.name}`, face: avatar(p, false) }));
  }
  return ui.state.channels
    .filter((c) => c.kind === "channel")
    .map((c) => ({ id: c.id, label: `# ${c.name}`, detail: "", face: null }));
}

function drawPickers(body, view) {
  const elements = new Map(view.blocks.filter((b) => b.type === "input").map((b) => [b.block_id, b.element || {}]));
  for (const block of body.querySelectorAll(".block-input")) {
    const element = elements.get(block.dataset.blockId);
    const spot = block.querySelector("[data-element-type]");
    if (element && spot && PICKERS[element.type]) spot.replaceWith(pickerNode(element, spot.id));
  }
}

function pickerNode(el, id) {
  const kind = PICKERS[el.type];
  const choices = choicesFor(kind.of);
  const common = { id, "data-element-type": el.type, "data-action-id": el.action_id, "data-picker": kind.of };
  if (!kind.several) {
    const prompt = el.placeholder?.text || (kind.of === "people" ? "Pick a person" : "Pick a channel");
    return h(
      "select",
      { ...common, class: "select" },
      h("option", { value: "", selected: !el[kind.initial] }, prompt),
      choices.map((c) => h("option", { value: c.id, selected: el[kind.initial] === c.id }, `${c.label} ${c.detail}`)),
    );
  }
  const chosen = new Set(el[kind.initial] || []);
  const limit = el.max_selected_items;
  const node = h(
    "div",
    { ...common, class: "multi-select", role: "group", "data-testid": "picker" },
    choices.map((c) => {
      const box = h("input", { type: "checkbox", value: c.id, checked: chosen.has(c.id) });
      const face = c.face;
      if (face) Object.assign(face.style, { flexBasis: "20px", width: "20px", height: "20px", fontSize: "9px" });
      const label = h("label", { class: "multi-option", "data-id": c.id }, box, face, ` ${c.label} `, h("span", { class: "optional" }, c.detail));
      Object.assign(label.style, { display: "inline-flex", alignItems: "center", gap: "4px" });
      return label;
    }),
  );
  // Slack's picker stops at max_selected_items; so does this one.
  node.addEventListener("change", (e) => {
    const ticked = node.querySelectorAll("input:checked").length;
    if (limit && ticked > limit) {
      e.target.checked = false;
      toast(`Pick at most ${limit}.`);
    }
  });
  return node;
}

// What the pickers hold, keyed by block_id: ids, as the sandbox API (and Slack's state) take them.
function readPickers(root) {
  const values = {};
  for (const block of root.querySelectorAll(".block-input")) {
    const field = block.querySelector("[data-picker]");
    if (!field) continue;
    values[block.dataset.blockId] =
      field.tagName === "SELECT"
        ? field.value || null
        : [...field.querySelectorAll("input:checked")].map((i) => i.value);
  }
  return values;
}

// `response_action: errors`: block_id -> message, shown under that input.
function showErrors(root, errors) {
  for (const block of root.querySelectorAll(".block-input")) {
    const message = errors[block.dataset.blockId] || "";
    block.classList.toggle("has-error", Boolean(message));
    block.querySelector(".input-error").textContent = message;
  }
}

// Slack's confirm object (title, text, confirm, deny, style) as a dialog; resolves to the answer.
export function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const root = $("dialog-root");
    const done = (answer) => {
      root.replaceChildren();
      resolve(answer);
    };
    const style = confirm.style === "danger" ? "btn-danger" : "btn-primary";
    const foot = h(
      "div",
      { class: "dialog-foot" },
      h(
        "button",
        { type: "button", class: "btn btn-default", "data-testid": "confirm-deny", onclick: () => done(false) },
        confirm.deny?.text || "Cancel",
      ),
      h(
        "button",
        { type: "button", class: `btn ${style}`, "data-testid": "confirm-ok", onclick: () => done(true) },
        confirm.confirm?.text || "Yes",
      ),
    );
    const dialog = h(
      "div",
      { class: "dialog", role: "alertdialog", "aria-modal": "true", "data-testid": "confirm" },
      h("h2", { class: "dialog-title" }, confirm.title?.text || "Are you sure?"),
      textObject(confirm.text, { ctx: ctx() }, "div", "dialog-text"),
      foot,
    );
    const overlay = h("div", { class: "overlay" }, dialog);
    overlay.addEventListener("click", (e) => e.target === overlay && done(false));
    root.replaceChildren(overlay);
    root.querySelector("[data-testid=confirm-ok]").focus();
  });
}
