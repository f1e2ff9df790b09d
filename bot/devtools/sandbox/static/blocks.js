// Block Kit -> DOM, for messages, ephemerals, modals and the Home tab.
// `env` carries the mrkdwn context (names, permalinks) and what to do on an action:
//   env.act(element, block, container)  a button press or select change
//   env.confirm(confirm) -> Promise<bool> Slack's confirm dialog before an action goes out
//   env.errors                          block_id -> message, for modal inputs

import { escapeHtml, mrkdwn, plainText } from "./mrkdwn.js";

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function textObject(obj, env, tag = "div", cls = "") {
  if (!obj) return null;
  const html = obj.type === "mrkdwn" ? mrkdwn(obj.text, env.ctx) : plainText(obj.text, env.ctx, obj.emoji !== false);
  return h(tag, { class: `${obj.type === "mrkdwn" ? "mrkdwn" : "plain"} ${cls}`.trim(), html });
}

// Images only from this machine: the sandbox makes no request beyond loopback.
function localImage(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "data:" || ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
  } catch {
    return false;
  }
}

function image(url, alt, cls) {
  if (localImage(url)) return h("img", { class: cls, src: url, alt: alt || "" });
  const note = `[image: ${alt || "no description"} — external, not loaded]`;
  return h("span", { class: `${cls} image-placeholder`, title: url }, note);
}

const RENDERERS = {
  section(block, env) {
    const body = h("div", { class: "section-body" }, textObject(block.text, env));
    if (block.fields?.length) {
      body.append(h("div", { class: "fields" }, block.fields.map((f) => textObject(f, env, "div", "field"))));
    }
    const accessory = block.accessory ? element(block.accessory, block, env) : null;
    return h("div", { class: "block block-section" }, body, accessory && h("div", { class: "accessory" }, accessory));
  },
  header(block, env) {
    return h("div", { class: "block block-header", html: plainText(block.text?.text, env.ctx) });
  },
  context(block, env) {
    return h(
      "div",
      { class: "block block-context" },
      (block.elements || []).map((el) =>
        el.type === "image" ? image(el.image_url, el.alt_text, "context-image") : textObject(el, env, "span"),
      ),
    );
  },
  divider() {
    return h("hr", { class: "block block-divider" });
  },
  image(block, env) {
    return h(
      "figure",
      { class: "block block-image" },
      block.title && textObject(block.title, env, "figcaption"),
      image(block.image_url, block.alt_text, "block-img"),
    );
  },
  actions(block, env) {
    return h("div", { class: "block block-actions" }, (block.elements || []).map((el) => element(el, block, env)));
  },
  input(block, env) {
    return inputBlock(block, env);
  },
  rich_text(block, env) {
    return h("div", { class: "block block-rich mrkdwn", html: richText(block.elements || [], env) });
  },
};

export function renderBlocks(blocks, env) {
  return h(
    "div",
    { class: "blocks" },
    (blocks || []).map((block) => {
      const render = RENDERERS[block.type];
      const node = render
        ? render(block, env)
        : h("div", { class: "block unsupported" }, `[${block.type} block: not shown in the sandbox]`);
      if (block.block_id) node.dataset.blockId = block.block_id;
      return node;
    }),
  );
}

function richText(elements, env) {
  const inlineEl = (el) => {
    if (el.type === "text") {
      let t = escapeHtml(el.text).replace(/\n/g, "<br>");
      if (el.style?.code) t = `<code>${t}</code>`;
      if (el.style?.bold) t = `<b>${t}</b>`;
      if (el.style?.italic) t = `<i>${t}</i>`;
      if (el.style?.strike) t = `<s>${t}</s>`;
      return t;
    }
    if (el.type === "link") return mrkdwn(`<${el.url}|${el.text || el.url}>`, env.ctx);
    if (el.type === "user") return mrkdwn(`<@${el.user_id}>`, env.ctx);
    if (el.type === "channel") return mrkdwn(`<#${el.channel_id}>`, env.ctx);
    if (el.type === "emoji") return mrkdwn(`:${el.name}:`, env.ctx);
    return "";
  };
  return elements
    .map((section) => {
      const inner = (section.elements || []).map((el) => (el.elements ? richText([el], env) : inlineEl(el))).join("");
      if (section.type === "rich_text_preformatted") return `<pre class="code-block">${inner}</pre>`;
      if (section.type === "rich_text_quote") return `<blockquote>${inner}</blockquote>`;
      if (section.type === "rich_text_list") {
        const tag = section.style === "ordered" ? "ol" : "ul";
        const items = (section.elements || []).map((item) => `<li>${richText([item], env)}</li>`).join("");
        return `<${tag} class="mrkdwn-list">${items}</${tag}>`;
      }
      return `<span class="line">${inner}</span>`;
    })
    .join("");
}

// -- interactive elements in messages and views ------------------------------------------------

function element(el, block, env) {
  if (el.type === "button") return button(el, block, env);
  if (el.type === "image") return image(el.image_url, el.alt_text, "accessory-image");
  if (el.type === "static_select" || el.type === "overflow") {
    const options = selectOptions(el);
    const prompt = el.type === "overflow" ? "⋯" : el.placeholder?.text || "Select…";
    const select = h(
      "select",
      {
        class: "select",
        "data-action-id": el.action_id,
        onchange: async (event) => {
          const value = event.target.value;
          const option = options.find((o) => o.value === value);
          if (el.confirm && !(await env.confirm(el.confirm))) return;
          env.act(el, block, option ? option.value : value);
        },
      },
      h("option", { value: "", disabled: true, selected: !el.initial_option }, prompt),
      options.map((o) => option(o, el.initial_option)),
    );
    return select;
  }
  return h("span", { class: "unsupported" }, `[${el.type}]`);
}

function button(el, block, env) {
  const style = el.style === "primary" ? "btn-primary" : el.style === "danger" ? "btn-danger" : "btn-default";
  const node = h("button", {
    type: "button",
    class: `btn ${style}`,
    "data-action-id": el.action_id,
    html: plainText(el.text?.text, env.ctx, el.text?.emoji !== false),
  });
  node.addEventListener("click", async () => {
    if (el.confirm && !(await env.confirm(el.confirm))) return;
    if (el.url) window.open(el.url, "_blank", "noopener");
    node.disabled = true;
    try {
      await env.act(el, block, el.value);
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

// -- modal inputs --------------------------------------------------------------------------------

function inputBlock(block, env) {
  const el = block.element || {};
  const id = `input-${block.block_id}`;
  const error = env.errors?.[block.block_id];
  return h(
    "div",
    { class: `block block-input${error ? " has-error" : ""}`, "data-block-id": block.block_id },
    h(
      "label",
      { class: "input-label", for: id },
      plainText(block.label?.text, env.ctx) ? h("span", { html: plainText(block.label?.text, env.ctx) }) : null,
      block.optional ? h("span", { class: "optional" }, " (optional)") : null,
    ),
    control(el, id),
    block.hint ? h("div", { class: "input-hint", html: plainText(block.hint.text, env.ctx) }) : null,
    h("div", { class: "input-error", role: "alert" }, error || ""),
  );
}

function control(el, id) {
  const common = { id, "data-element-type": el.type, "data-action-id": el.action_id };
  const placeholder = el.placeholder?.text;
  switch (el.type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input": {
      const attrs = { ...common, class: "text-input", placeholder, minlength: el.min_length, maxlength: el.max_length };
      if (el.multiline) return h("textarea", { ...attrs, rows: 4 }, el.initial_value || "");
      const type = el.type === "email_text_input" ? "email" : el.type === "url_text_input" ? "url" : "text";
      return h("input", { ...attrs, type, value: el.initial_value || "" });
    }
    case "number_input":
      return h("input", {
        ...common,
        class: "text-input",
        type: "number",
        step: el.is_decimal_allowed ? "any" : "1",
        min: el.min_value,
        max: el.max_value,
        placeholder,
        value: el.initial_value || "",
      });
    case "static_select":
      return h(
        "select",
        { ...common, class: "select" },
        h("option", { value: "", selected: !el.initial_option }, placeholder || "Select an option"),
        selectOptions(el).map((o) => option(o, el.initial_option)),
      );
    case "multi_static_select":
    case "checkboxes": {
      const chosen = new Set((el.initial_options || []).map((o) => o.value));
      return h(
        "div",
        { ...common, class: "multi-select", role: "group" },
        selectOptions(el).map((o) =>
          choice(o, { type: "checkbox", value: o.value, checked: chosen.has(o.value) }),
        ),
      );
    }
    case "radio_buttons":
      return h(
        "div",
        { ...common, class: "multi-select", role: "radiogroup" },
        selectOptions(el).map((o) =>
          choice(o, { type: "radio", name: id, value: o.value, checked: el.initial_option?.value === o.value }),
        ),
      );
    case "datepicker":
      return h("input", { ...common, class: "text-input", type: "date", value: el.initial_date || "" });
    default:
      return h("div", { ...common, class: "unsupported" }, `[${el.type} input: not supported in the sandbox]`);
  }
}

function option(o, initial) {
  return h("option", { value: o.value, selected: initial?.value === o.value }, o.text?.text ?? o.value);
}

function choice(o, input) {
  return h("label", { class: "multi-option" }, h("input", input), ` ${o.text?.text ?? o.value}`);
}

function selectOptions(el) {
  return el.options || (el.option_groups || []).flatMap((g) => g.options || []);
}

// What the person entered, keyed by block_id, in the plain form the sandbox API expects.
export function readInputs(root) {
  const values = {};
  for (const block of root.querySelectorAll(".block-input")) {
    const field = block.querySelector("[data-element-type]");
    if (!field) continue;
    const type = field.dataset.elementType;
    if (type === "multi_static_select" || type === "checkboxes") {
      values[block.dataset.blockId] = [...field.querySelectorAll("input:checked")].map((i) => i.value);
    } else if (type === "radio_buttons") {
      values[block.dataset.blockId] = field.querySelector("input:checked")?.value ?? null;
    } else if (type === "static_select") {
      values[block.dataset.blockId] = field.value || null;
    } else if ("value" in field) {
      values[block.dataset.blockId] = field.value;
    }
  }
  return values;
}
