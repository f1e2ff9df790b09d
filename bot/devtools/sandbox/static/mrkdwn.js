// Slack mrkdwn -> HTML. Every piece of text is HTML-escaped before it is placed; the only tags in
// the output are the ones built here. Slack's rules: `&`, `<`, `>` arrive as entities; `<...>` are
// control sequences (mentions, links); *bold*, _italic_, ~strike~ need word boundaries;
// `code` and ```blocks``` are literal.

// Inline SVG instead of emoji characters: the sandbox loads no font, and a machine without an
// emoji font would show empty boxes. The set covers what the bot's templates use.
const ICONS = {
  white_check_mark:
    '<rect x="1" y="1" width="14" height="14" rx="3" fill="#2eb67d"/><path d="M4.5 8.3l2.3 2.3 4.7-5" stroke="#fff" stroke-width="2" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
  heavy_check_mark:
    '<path d="M3 8.5l3.2 3.2L13 4.5" stroke="#2eb67d" stroke-width="2.6" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
  ballot_box_with_check:
    '<rect x="1.5" y="1.5" width="13" height="13" rx="2" fill="#fff" stroke="#616061"/><path d="M4.5 8.3l2.3 2.3 4.7-5" stroke="#1264a3" stroke-width="2" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
  x: '<path d="M4 4l8 8M12 4l-8 8" stroke="#e01e5a" stroke-width="2.6" stroke-linecap="round"/>',
  warning:
    '<path d="M8 1.6L15 14.4H1z" fill="#f2c744" stroke="#c9a227" stroke-linejoin="round"/><rect x="7.2" y="5.6" width="1.6" height="4.8" rx=".6" fill="#1d1c1d"/><rect x="7.2" y="11.4" width="1.6" height="1.6" rx=".8" fill="#1d1c1d"/>',
  no_entry:
    '<circle cx="8" cy="8" r="7" fill="#e01e5a"/><rect x="3.5" y="6.8" width="9" height="2.4" rx=".6" fill="#fff"/>',
  no_entry_sign:
    '<circle cx="8" cy="8" r="6" fill="none" stroke="#e01e5a" stroke-width="2.2"/><path d="M3.9 3.9l8.2 8.2" stroke="#e01e5a" stroke-width="2.2"/>',
  lock: '<path d="M5 7.2V5.3a3 3 0 016 0v1.9" fill="none" stroke="#8d8d8d" stroke-width="1.8"/><rect x="3" y="7" width="10" height="8" rx="1.6" fill="#e8a317"/><rect x="7.3" y="9.5" width="1.4" height="3" rx=".7" fill="#7a5200"/>',
  hourglass:
    '<path d="M4 1.5h8M4 14.5h8" stroke="#6b4f2a" stroke-width="1.6" stroke-linecap="round"/><path d="M4.6 2c0 3.6 3.4 4.3 3.4 6s-3.4 2.4-3.4 6h6.8c0-3.6-3.4-4.3-3.4-6s3.4-2.4 3.4-6z" fill="#dff0ff" stroke="#6b4f2a"/><path d="M5.8 13.4h4.4L8 10.4z" fill="#e8b04b"/>',
  rocket:
    '<path d="M14 2c-4.3.2-7.2 3.1-8.5 6.6l1.9 1.9C10.9 9.2 13.8 6.3 14 2z" fill="#c7ccd1" stroke="#8d8d8d" stroke-width=".6"/><circle cx="10.2" cy="5.8" r="1.3" fill="#1264a3"/><path d="M5.5 8.6L2.3 9.2l2.3-2.9zM7.4 10.5l-.6 3.2 2.9-2.3z" fill="#e01e5a"/><path d="M4.6 11.4l-2.2 2.2" stroke="#f2a900" stroke-width="1.8" stroke-linecap="round"/>',
  bell: '<path d="M8 2.2a4 4 0 00-4 4v3.3L2.6 12h10.8L12 9.5V6.2a4 4 0 00-4-4z" fill="#f2c744" stroke="#c9a227"/><circle cx="8" cy="13.6" r="1.5" fill="#c9a227"/>',
  moneybag:
    '<path d="M6 4.2L4.8 1.8h6.4L10 4.2z" fill="#c9a227"/><path d="M6 4.2h4c3 2 4.5 4.6 4.5 7 0 2.3-2.2 3.3-6.5 3.3S1.5 13.5 1.5 11.2c0-2.4 1.5-5 4.5-7z" fill="#e8b94a" stroke="#a8821c" stroke-width=".8"/><path d="M5.6 4.3h4.8" stroke="#6b4f2a" stroke-width="1.2" stroke-linecap="round"/><path d="M9.6 8.2c-.3-.6-1-1-1.7-1-1 0-1.6.6-1.6 1.2 0 1.5 3.4.8 3.4 2.4 0 .7-.7 1.3-1.8 1.3-.8 0-1.5-.4-1.8-1M8 6.3v7" stroke="#6b4f2a" stroke-width="1.1" fill="none" stroke-linecap="round"/>',
  arrows_counterclockwise:
    '<rect x="1" y="1" width="14" height="14" rx="3" fill="#1264a3"/><path d="M11.6 8.2A3.6 3.6 0 1110.4 5" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round"/><path d="M11.4 3v2.6H8.8" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
  leftwards_arrow_with_hook:
    '<rect x="1" y="1" width="14" height="14" rx="3" fill="#1264a3"/><path d="M11.5 4.5v3.2a2 2 0 01-2 2H4.6" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round"/><path d="M6.6 7.4L4.3 9.7l2.3 2.3" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
  traffic_light:
    '<rect x="4.5" y="1" width="7" height="14" rx="2" fill="#1d1c1d"/><circle cx="8" cy="4" r="1.6" fill="#e01e5a"/><circle cx="8" cy="8" r="1.6" fill="#f2c744"/><circle cx="8" cy="12" r="1.6" fill="#2eb67d"/>',
  wastebasket:
    '<path d="M3.2 4.5h9.6l-1 10.3H4.2z" fill="#a0a0a0"/><rect x="2" y="2.6" width="12" height="1.7" rx=".8" fill="#616061"/><path d="M6 6.5v6M8 6.5v6M10 6.5v6" stroke="#616061"/>',
  tada: '<path d="M1.8 14.2l3.1-9.3 6.2 6.2z" fill="#f2a900"/><circle cx="11.2" cy="2.8" r="1" fill="#e01e5a"/><circle cx="14" cy="6" r="1" fill="#1264a3"/><circle cx="8.8" cy="1.8" r=".9" fill="#2eb67d"/><path d="M9.6 6.4l3-3" stroke="#e01e5a" stroke-width="1.2" stroke-linecap="round"/>',
  information_source:
    '<rect x="1" y="1" width="14" height="14" rx="3" fill="#1264a3"/><circle cx="8" cy="4.6" r="1.2" fill="#fff"/><rect x="7" y="6.8" width="2" height="5.6" rx=".8" fill="#fff"/>',
  large_green_circle: '<circle cx="8" cy="8" r="6.5" fill="#2eb67d"/>',
  large_orange_circle: '<circle cx="8" cy="8" r="6.5" fill="#f28c28"/>',
  large_yellow_circle: '<circle cx="8" cy="8" r="6.5" fill="#f2c744"/>',
  large_blue_circle: '<circle cx="8" cy="8" r="6.5" fill="#1264a3"/>',
  red_circle: '<circle cx="8" cy="8" r="6.5" fill="#e01e5a"/>',
  white_circle: '<circle cx="8" cy="8" r="6" fill="#fff" stroke="#8d8d8d"/>',
  pray: '<path d="M7.4 1.8L4.2 8.6 2.4 13.4l2.2 1 3-4.4z" fill="#f2c744" stroke="#c9a227" stroke-width=".7" stroke-linejoin="round"/><path d="M8.6 1.8l3.2 6.8 1.8 4.8-2.2 1-3-4.4z" fill="#f2c744" stroke="#c9a227" stroke-width=".7" stroke-linejoin="round"/>',
  mag: '<circle cx="6.5" cy="6.5" r="4.3" fill="#dff0ff" stroke="#616061" stroke-width="1.8"/><path d="M9.7 9.7l4.5 4.5" stroke="#616061" stroke-width="2.4" stroke-linecap="round"/>',
  zzz: '<path d="M1.8 8h4.4L1.8 13.5h4.4M8 4h3.2L8 8.2h3.2M12.2 1.2h2.4L12.2 4.2h2.4" stroke="#1264a3" stroke-width="1.4" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
  rotating_light:
    '<path d="M4 10.2V7.6a4 4 0 018 0v2.6z" fill="#e01e5a"/><rect x="2.5" y="10.2" width="11" height="3.6" rx="1" fill="#616061"/><path d="M8 .8v1.8M2.2 2.8l1.3 1.3M13.8 2.8l-1.3 1.3" stroke="#e01e5a" stroke-width="1.3" stroke-linecap="round"/>',
  handshake:
    '<path d="M1 6.2l3-2.4 2.6 1.2L9 3.8l2.2.2 3.8 2.6-1.4 4.6-5 3.2-3.4-2.6L1.6 9z" fill="#f2c744" stroke="#c9a227" stroke-width=".9" stroke-linejoin="round"/><path d="M6.2 7.2l2.2-1.4 3.4 2.8M5.4 9.4l2.4 1.8M7 8.4l2.4 1.9" stroke="#6b4f2a" stroke-width=".9" fill="none" stroke-linecap="round"/>',
  eyes: '<ellipse cx="5" cy="8" rx="3" ry="4.6" fill="#fff" stroke="#616061"/><ellipse cx="11" cy="8" rx="3" ry="4.6" fill="#fff" stroke="#616061"/><circle cx="5.8" cy="9" r="1.5" fill="#1d1c1d"/><circle cx="11.8" cy="9" r="1.5" fill="#1d1c1d"/>',
};
const ALIASES = { heavy_check: "heavy_check_mark", hourglass_flowing_sand: "hourglass", large_red_circle: "red_circle" };
// Shortcodes people type that the bot's templates do not use: shown as the emoji character (a
// machine without an emoji font shows a box, which still beats the shortcode as text).
const CHARACTERS = {
  "+1": "\u{1F44D}",
  thumbsup: "\u{1F44D}",
  "-1": "\u{1F44E}",
  thumbsdown: "\u{1F44E}",
  heart: "\u2764\uFE0F",
  smile: "\u{1F604}",
  slightly_smiling_face: "\u{1F642}",
  grinning: "\u{1F600}",
  joy: "\u{1F602}",
  wink: "\u{1F609}",
  thinking_face: "\u{1F914}",
  clap: "\u{1F44F}",
  raised_hands: "\u{1F64C}",
  wave: "\u{1F44B}",
  ok_hand: "\u{1F44C}",
  fire: "\u{1F525}",
  sparkles: "\u2728",
  star: "\u2B50",
  100: "\u{1F4AF}",
  bug: "\u{1F41B}",
  memo: "\u{1F4DD}",
  point_right: "\u{1F449}",
  heavy_plus_sign: "\u2795",
  sob: "\u{1F62D}",
  coffee: "\u2615",
};

// A name with a letter (so "10:30:45" stays a time), or one of the all-digit names Slack has.
const SHORTCODE = /:([a-z0-9_+-]*[a-z][a-z0-9_+-]*|[+-]1|100):/g;

export function emojiHtml(name) {
  const icon = ICONS[ALIASES[name] || name];
  const label = `role="img" aria-label="${name}" title=":${name}:"`;
  if (icon) {
    return `<span class="emoji" ${label}><svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">${icon}</svg></span>`;
  }
  const character = CHARACTERS[name];
  return character ? `<span class="emoji emoji-char" ${label}>${character}</span>` : null;
}

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function decodeEntities(text) {
  // Only the three Slack escapes; &amp; last so "&amp;lt;" stays the literal text "&lt;".
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// A placeholder survives escaping and the emphasis regexes, and is swapped back at the end.
const MARK = "\u0000";
const PLACEHOLDER = /\u0000(\d+)\u0000/g;

function inline(line, ctx) {
  const pieces = [];
  const hold = (html) => `${MARK}${pieces.push(html) - 1}${MARK}`;
  let s = line.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(decodeEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => hold(control(inner, ctx)));
  s = s.replace(SHORTCODE, (m, name) => {
    const html = emojiHtml(name);
    return html ? hold(html) : m;
  });
  s = escapeHtml(decodeEntities(s));
  s = s.replace(/(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])/g, "<b>$1</b>");
  s = s.replace(/(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])/g, "<i>$1</i>");
  s = s.replace(/(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])/g, "<s>$1</s>");
  // Placeholders may nest (an emoji inside a held label), so swap until none is left.
  for (let i = 0; i < 3 && s.includes(MARK); i++) s = s.replace(PLACEHOLDER, (_, n) => pieces[Number(n)]);
  return s;
}

function control(inner, ctx) {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : null;
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = ctx.userName(id) || (label ? decodeEntities(label) : id);
    const me = ctx.me === id ? " mention-me" : "";
    return `<span class="mention${me}" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = ctx.channelName(id) || (label ? decodeEntities(label) : id);
    return `<a href="#" class="channel-link" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
  }
  if (target.startsWith("!")) {
    const [command, arg] = target.slice(1).split("^");
    if (command === "subteam") {
      const handle = ctx.groupHandle(arg) || (label ? decodeEntities(label).replace(/^@/, "") : arg);
      return `<span class="mention">@${escapeHtml(handle)}</span>`;
    }
    if (command === "date") return escapeHtml(decodeEntities(label || ""));
    return `<span class="mention">@${escapeHtml(command)}</span>`;
  }
  const url = decodeEntities(target);
  const text = label !== null ? decodeEntities(label) : url;
  if (!/^(https?:|mailto:)/i.test(url)) return escapeHtml(text);
  const permalink = ctx.permalink ? ctx.permalink(url) : null;
  if (permalink) {
    return `<a href="#" class="permalink" data-channel="${escapeHtml(permalink.channel)}" data-ts="${escapeHtml(permalink.ts)}">${escapeHtml(text)}</a>`;
  }
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
}

const BULLET = /^\s*([•◦▪‣]|[-*](?=\s))\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,3})[.)]\s+(.*)$/;
const QUOTE = /^(?:>|&gt;)\s?(.*)$/;

function textSegment(text, ctx) {
  // Lines become paragraphs, lists (bullets or numbers) and quotes; an indented line right
  // after a list item continues that item, as the bot's error messages use it.
  const out = [];
  let list = null;
  const closeList = () => {
    if (list) out.push(`<${list.tag} class="mrkdwn-list">${list.items.map((i) => `<li>${i}</li>`).join("")}</${list.tag}>`);
    list = null;
  };
  for (const line of text.split("\n")) {
    const bullet = line.match(BULLET);
    const numbered = bullet ? null : line.match(NUMBERED);
    if (bullet || numbered) {
      const tag = bullet ? "ul" : "ol";
      if (!list || list.tag !== tag) {
        closeList();
        list = { tag, items: [] };
      }
      list.items.push(inline((bullet || numbered)[2], ctx));
      continue;
    }
    if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1] += `<br>${inline(line.trim(), ctx)}`;
      continue;
    }
    closeList();
    const quote = line.match(QUOTE);
    if (quote) out.push(`<blockquote>${inline(quote[1], ctx)}</blockquote>`);
    else out.push(`<span class="line">${inline(line, ctx)}</span>`);
  }
  closeList();
  return out.join("");
}

// A ``` block shows its text as typed, as Slack does: no emphasis, lists, quotes, emoji or links
// inside it, and the newlines right after the opening and before the closing fence are not shown.
function codeBlock(text) {
  return `<pre class="code-block">${escapeHtml(decodeEntities(text.replace(/^\n/, "").replace(/\n$/, "")))}</pre>`;
}

export function mrkdwn(text, ctx = defaultContext()) {
  const parts = String(text ?? "").split(/```([\s\S]*?)```/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return codeBlock(part);
      const trimmed = part.replace(/^\n/, "").replace(/\n$/, "");
      return trimmed === "" ? "" : textSegment(trimmed, ctx);
    })
    .join("");
}

export function plainText(text, ctx = defaultContext(), emoji = true) {
  let s = escapeHtml(String(text ?? ""));
  if (emoji) s = s.replace(SHORTCODE, (m, name) => emojiHtml(name) || m);
  return s.replace(/\n/g, "<br>");
}

export function defaultContext() {
  return { me: null, userName: () => null, channelName: () => null, groupHandle: () => null, permalink: () => null };
}
