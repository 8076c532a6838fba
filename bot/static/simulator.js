// Local LINE chat simulator: sends webhook-like events to the simulator API and draws
// the bot's LINE message objects the way the LINE app would.
// Message data only ever reaches the DOM through textContent and attributes: citizen
// and bot text may contain anything.

const config = JSON.parse(document.getElementById("simulator-config").textContent);

const POLL_INTERVAL_MS = 700;
const POLL_BACKOFF_MAX_MS = 10000;
const STICK_TO_BOTTOM_PX = 64;
const TOAST_MS = 3500;
const USER_ID_KEY = "simulator.userId";
// ?group=1: the page is a division's LINE group with the bot in it (staff registration, reminders).
const GROUP_ID_KEY = "simulator.groupId";
const HISTORY_KEY_PREFIX = "simulator.history.";
const HISTORY_LIMIT = 300;
// A fixed spot for the "send location" action, since the page cannot read a real GPS.
const SAMPLE_LOCATION = {
  title: "ตำแหน่งตัวอย่าง",
  address: `บริเวณที่ทำการ ${config.saoName}`,
  latitude: 16.0,
  longitude: 102.6,
};
// The page sends a sample photo: the built-in fake LINE API serves a small JPEG for it.
const SAMPLE_PHOTO_ECHO = { type: "text", text: "📷 (รูปตัวอย่างจากโปรแกรมจำลอง)" };

const ui = {
  chat: document.getElementById("chat"),
  messages: document.getElementById("messages"),
  typing: document.getElementById("typing"),
  quickReplies: document.getElementById("quick-replies"),
  composer: document.getElementById("composer"),
  input: document.getElementById("composer-input"),
  restart: document.getElementById("restart"),
  menuToggle: document.getElementById("menu-toggle"),
  menuGrid: document.getElementById("rich-menu-grid"),
  picker: document.getElementById("picker"),
  pickerTitle: document.getElementById("picker-title"),
  pickerInput: document.getElementById("picker-input"),
  connection: document.getElementById("connection"),
  toast: document.getElementById("toast"),
};

const state = {
  userId: "",
  groupId: "",
  // Bumped when the simulated user changes, so answers for the old user are dropped.
  generation: 0,
  lastId: 0,
  historyLoaded: false,
  pollTimer: 0,
  polling: false,
  pollAgain: false,
  pollFailures: 0,
  stickToBottom: true,
  lastDay: "",
  lastSide: "",
  pickerAction: null,
  toastTimer: 0,
};

// Elements that run a LINE action when tapped (buttons, flex boxes, quick replies).
const actionOf = new WeakMap();

// ---------------------------------------------------------------- small helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function isHttpUrl(value) {
  return typeof value === "string" && /^https?:\/\//i.test(value);
}

// getRandomValues, unlike randomUUID, also works when a phone opens the page over plain http.
function newUserId(prefix = "U") {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function chatIds() {
  return config.groupMode ? { userId: state.userId, groupId: state.groupId } : { userId: state.userId };
}

function historyId() {
  return config.groupMode ? state.groupId : state.userId;
}

function showToast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => { ui.toast.hidden = true; }, TOAST_MS);
}

const timeFormat = new Intl.DateTimeFormat("th-TH", { hour: "2-digit", minute: "2-digit", hour12: false });
const dayFormat = new Intl.DateTimeFormat("th-TH", { weekday: "short", day: "numeric", month: "short" });

function toDate(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today);
  yesterday.setDate(today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return "วันนี้";
  if (date.toDateString() === yesterday.toDateString()) return "เมื่อวาน";
  return dayFormat.format(date);
}

// ---------------------------------------------------------------- API

async function callApi(path, options = {}) {
  let response;
  try {
    response = await fetch(config.apiBase + path, {
      ...options,
      headers: { "Content-Type": "application/json", "X-Requested-With": "simulator" },
    });
  } catch {
    throw new Error("เชื่อมต่อเซิร์ฟเวอร์ไม่ได้");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok || !data || data.ok === false) {
    throw new Error(data?.error || `เซิร์ฟเวอร์ตอบกลับผิดพลาด (HTTP ${response.status})`);
  }
  return data;
}

function postApi(path, body) {
  return callApi(path, { method: "POST", body: JSON.stringify(body) });
}

// ---------------------------------------------------------------- local history
// The API returns only the bot's messages, so the browser keeps what the user sent
// to redraw the whole conversation after a reload.

function historyKey(userId) {
  return HISTORY_KEY_PREFIX + userId;
}

function loadLocalHistory(userId) {
  try {
    const entries = JSON.parse(localStorage.getItem(historyKey(userId)) || "[]");
    return Array.isArray(entries) ? entries : [];
  } catch {
    return [];
  }
}

function remember(entry) {
  const entries = loadLocalHistory(historyId());
  entries.push({ side: entry.side, message: entry.message, sentAt: entry.sentAt.toISOString() });
  localStorage.setItem(historyKey(historyId()), JSON.stringify(entries.slice(-HISTORY_LIMIT)));
}

// ---------------------------------------------------------------- scrolling

function scrollToBottom() {
  if (state.stickToBottom) ui.chat.scrollTop = ui.chat.scrollHeight;
}

function trackScroll() {
  const { scrollTop, scrollHeight, clientHeight } = ui.chat;
  state.stickToBottom = scrollHeight - scrollTop - clientHeight < STICK_TO_BOTTOM_PX;
}

// ---------------------------------------------------------------- actions

function bindAction(node, action) {
  if (!action?.type) return node;
  actionOf.set(node, action);
  node.dataset.action = String(action.type);
  if (node.tagName !== "BUTTON") {
    node.setAttribute("role", "button");
    node.tabIndex = 0;
  }
  return node;
}

function actionLabel(action, fallback) {
  return action?.label || fallback;
}

const ACTION_HANDLERS = {
  message: (action) => sendText(action.text ?? action.label ?? ""),
  postback: (action) => {
    applyInputOption(action);
    sendPostback(action.data, action.displayText);
  },
  uri: (action) => openUri(action.uri),
  location: () => sendLocation(),
  datetimepicker: (action) => openPicker(action),
  camera: () => sendPhoto(),
  cameraRoll: () => sendPhoto(),
  clipboard: (action) => copyText(action.clipboardText),
};

function runAction(action) {
  const handler = ACTION_HANDLERS[action.type];
  if (handler) handler(action);
  else showToast(`โปรแกรมจำลองยังไม่รองรับปุ่มประเภท ${action.type}`);
}

// LINE can open the keyboard or the rich menu after a postback tap.
function applyInputOption(action) {
  if (action.inputOption === "openKeyboard") {
    if (action.fillInText) ui.input.value = action.fillInText;
    ui.input.focus();
  } else if (action.inputOption === "openRichMenu") {
    setMenuOpen(true);
  } else if (action.inputOption === "closeRichMenu") {
    setMenuOpen(false);
  }
}

function openUri(uri) {
  if (isHttpUrl(uri)) {
    window.open(uri, "_blank", "noopener,noreferrer");
  } else if (typeof uri === "string" && /^tel:[\d+\-#*]+$/i.test(uri)) {
    window.location.href = uri;
  } else {
    showToast("ลิงก์นี้เปิดได้ในแอป LINE เท่านั้น");
  }
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text ?? "");
    showToast("คัดลอกแล้ว");
  } catch {
    showToast("คัดลอกไม่สำเร็จ");
  }
}

function openPicker(action) {
  const types = { date: "date", time: "time", datetime: "datetime-local" };
  const mode = action.mode in types ? action.mode : "datetime";
  state.pickerAction = { ...action, mode };
  ui.pickerTitle.textContent = actionLabel(action, "เลือกวันเวลา");
  ui.pickerInput.type = types[mode];
  ui.pickerInput.min = action.min || "";
  ui.pickerInput.max = action.max || "";
  ui.pickerInput.value = action.initial || "";
  ui.picker.returnValue = ""; // Esc keeps the previous value otherwise
  ui.picker.showModal();
}

function onPickerClosed() {
  const action = state.pickerAction;
  state.pickerAction = null;
  if (ui.picker.returnValue !== "ok" || !action || !ui.pickerInput.value) return;
  // Real LINE shows nothing in the chat for a date pick; only the bot sees the postback.
  sendEvent({ type: "postback", data: action.data ?? "", params: { [action.mode]: ui.pickerInput.value } });
}

function onActionClick(event) {
  if (event.target.closest("a")) return; // links inside a tappable box open themselves
  const node = event.target.closest("[data-action]");
  const action = node && actionOf.get(node);
  if (!action) return;
  event.preventDefault();
  runAction(action);
}

function onActionKey(event) {
  if (event.key !== "Enter" && event.key !== " ") return;
  const node = event.target;
  if (node.tagName === "BUTTON" || !node.matches?.("[data-action]")) return;
  event.preventDefault();
  runAction(actionOf.get(node));
}

// ---------------------------------------------------------------- sending

function sendText(text) {
  if (!text.trim()) return;
  sendEvent({ type: "text", text }, { type: "text", text });
}

function sendPostback(data, displayText) {
  const event = { type: "postback", data: data ?? "" };
  if (displayText) event.displayText = displayText;
  sendEvent(event, displayText ? { type: "text", text: displayText } : null);
}

function sendLocation() {
  sendEvent({ type: "location", ...SAMPLE_LOCATION }, { type: "location", ...SAMPLE_LOCATION });
}

function sendPhoto() {
  sendEvent({ type: "image" }, SAMPLE_PHOTO_ECHO);
}

function sendFollow() {
  if (config.groupMode) {
    const joined = { type: "text", text: `${config.botName} เข้าร่วมกลุ่มแล้ว` };
    sendEvent({ type: "join" }, joined, "system");
    return;
  }
  const notice = { type: "text", text: `คุณเพิ่ม ${config.botName} เป็นเพื่อนแล้ว` };
  sendEvent({ type: "follow" }, notice, "system");
}

// Shows the user's bubble at once (as LINE does), then delivers the event.
function sendEvent(event, echo = null, side = "user") {
  hideQuickReplies();
  state.stickToBottom = true;
  const entry = echo ? { side, message: echo, sentAt: new Date() } : null;
  const row = entry ? appendEntry(entry) : null;
  deliver(event, entry, row);
}

async function deliver(event, entry, row) {
  const generation = state.generation;
  setRowStatus(row, "pending");
  try {
    await postApi("/send", { ...chatIds(), ...event });
  } catch (error) {
    if (generation === state.generation) showSendFailure(event, entry, row, error.message);
    return;
  }
  if (generation !== state.generation) return;
  setRowStatus(row, "sent");
  if (entry) remember(entry);
  pollSoon();
}

function showSendFailure(event, entry, row, detail) {
  setRowStatus(row, "failed");
  const notice = el("div", "send-error");
  notice.setAttribute("role", "alert");
  notice.append(el("p", "send-error__title", "ส่งไม่สำเร็จ ลองอีกครั้ง"));
  if (detail) notice.append(el("p", "send-error__detail", detail));
  const retry = el("button", "send-error__retry", "ส่งอีกครั้ง");
  retry.type = "button";
  retry.addEventListener("click", () => {
    notice.remove();
    deliver(event, entry, row);
  });
  notice.append(retry);
  if (row) row.after(notice);
  else ui.messages.append(notice);
  scrollToBottom();
}

function setRowStatus(row, status) {
  if (!row) return;
  row.dataset.status = status;
  const meta = row.querySelector("time");
  if (status === "pending") meta.textContent = "กำลังส่ง…";
  else if (status === "failed") meta.textContent = "ยังไม่ได้ส่ง";
  else meta.textContent = meta.dataset.time;
}

function onComposerSubmit(event) {
  event.preventDefault();
  const text = ui.input.value;
  if (!text.trim()) return;
  ui.input.value = "";
  resizeComposer();
  sendText(text);
  ui.input.focus();
}

function onComposerKey(event) {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
}

function resizeComposer() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${ui.input.scrollHeight}px`;
}

// ---------------------------------------------------------------- polling

function schedulePoll(delay) {
  clearTimeout(state.pollTimer);
  if (!document.hidden) state.pollTimer = setTimeout(poll, delay);
}

function pollSoon() {
  if (state.polling) state.pollAgain = true;
  else schedulePoll(0);
}

async function poll() {
  if (state.polling) return;
  state.polling = true;
  const generation = state.generation;
  let delay = POLL_INTERVAL_MS;
  try {
    const query = new URLSearchParams({ ...chatIds(), after: String(state.lastId) });
    const data = await callApi(`/messages?${query}`);
    if (generation === state.generation) receive(data);
    state.pollFailures = 0;
    ui.connection.hidden = true;
  } catch {
    state.pollFailures += 1;
    delay = Math.min(POLL_INTERVAL_MS * 2 ** state.pollFailures, POLL_BACKOFF_MAX_MS);
    // One missed poll is normal while the dev server restarts; say so only when it lasts.
    ui.connection.hidden = state.pollFailures < 2;
  } finally {
    state.polling = false;
  }
  if (state.pollAgain) delay = 0;
  state.pollAgain = false;
  schedulePoll(delay);
}

function receive(data) {
  const fresh = (Array.isArray(data.messages) ? data.messages : [])
    .filter((item) => Number(item.id) > state.lastId)
    .map((item) => ({ id: Number(item.id), side: "bot", message: item.message, sentAt: toDate(item.sentAt) }));
  for (const item of fresh) state.lastId = Math.max(state.lastId, item.id);
  if (state.historyLoaded) {
    showEntries(fresh);
  } else {
    state.historyLoaded = true;
    showHistory(fresh);
  }
  setTyping(Boolean(data.loading));
}

// First load: merge the bot's messages with what this browser sent, in time order.
// Server times may be cut to whole seconds, so within one second the user's message
// goes first: the bot answers after it.
function showHistory(botEntries) {
  const mine = loadLocalHistory(historyId()).map((entry) => ({ ...entry, sentAt: toDate(entry.sentAt) }));
  const second = (entry) => Math.floor(entry.sentAt.getTime() / 1000);
  const entries = [...mine, ...botEntries].sort(
    (a, b) => second(a) - second(b) || Number(a.side === "bot") - Number(b.side === "bot"),
  );
  if (entries.length === 0) {
    sendFollow();
    return;
  }
  showEntries(entries);
}

function showEntries(entries) {
  if (entries.length === 0) return;
  for (const entry of entries) appendEntry(entry);
  const last = entries[entries.length - 1];
  if (last.side === "bot") showQuickReplies(last.message?.quickReply);
  else hideQuickReplies();
}

function setTyping(on) {
  ui.typing.hidden = !on;
  if (on) scrollToBottom();
}

function onVisibilityChange() {
  if (document.hidden) clearTimeout(state.pollTimer);
  else schedulePoll(0);
}

// ---------------------------------------------------------------- start over

function restart() {
  localStorage.removeItem(historyKey(historyId()));
  // Best effort: if the server missed the reset, the old chat is simply never read again.
  postApi("/reset", chatIds()).catch(() => {});
  if (config.groupMode) state.groupId = newUserId("C");
  startUser(newUserId(), true);
  sendFollow();
}

function startUser(userId, historyLoaded) {
  state.generation += 1;
  state.userId = userId;
  if (config.groupMode) localStorage.setItem(GROUP_ID_KEY, state.groupId);
  state.lastId = 0;
  state.historyLoaded = historyLoaded;
  state.lastDay = "";
  state.lastSide = "";
  state.stickToBottom = true;
  localStorage.setItem(USER_ID_KEY, userId);
  ui.messages.replaceChildren();
  hideQuickReplies();
  setTyping(false);
  schedulePoll(0);
}

// ---------------------------------------------------------------- chat rows

function appendEntry(entry) {
  const day = entry.sentAt.toDateString();
  if (day !== state.lastDay) {
    ui.messages.append(el("p", "day-separator", dayLabel(entry.sentAt)));
    state.lastDay = day;
    state.lastSide = "";
  }
  const row = entry.side === "system" ? systemRow(entry) : messageRow(entry);
  state.lastSide = entry.side;
  ui.messages.append(row);
  scrollToBottom();
  return row;
}

function systemRow(entry) {
  const row = el("div", "row row--system");
  row.append(el("p", "system-note", entry.message.text), metaNode(entry.sentAt, "visually-hidden"));
  return row;
}

function messageRow(entry) {
  const continued = entry.side === state.lastSide;
  const row = el("div", `row row--${entry.side}`);
  const main = el("div", "row__main");
  const body = el("div", "row__body");
  const content = renderMessage(entry.message);
  if (content.classList.contains("is-wide")) row.classList.add("row--wide");
  body.append(content, metaNode(entry.sentAt));
  main.append(senderName(entry, continued), body);
  if (entry.side === "bot") row.append(avatarNode(continued));
  row.append(main);
  if (continued) row.classList.add("row--continued");
  return row;
}

// Screen readers hear who speaks on every row; sighted users see the name once per run.
function senderName(entry, continued) {
  const name = entry.side === "user" ? "คุณ" : entry.message?.sender?.name || config.botName;
  const hidden = entry.side === "user" || continued;
  return el("p", hidden ? "visually-hidden" : "row__name", name);
}

function avatarNode(continued) {
  const avatar = el("span", continued ? "avatar avatar--spacer" : "avatar", continued ? "" : config.avatarInitial);
  avatar.setAttribute("aria-hidden", "true");
  return avatar;
}

function metaNode(sentAt, className = "row__meta") {
  const time = el("time", className, timeFormat.format(sentAt));
  time.dateTime = sentAt.toISOString();
  time.dataset.time = time.textContent;
  return time;
}

// ---------------------------------------------------------------- message renderers

const MESSAGE_RENDERERS = {
  text: renderText,
  sticker: () => el("div", "bubble bubble--sticker", "[สติกเกอร์]"),
  image: renderImage,
  location: renderLocation,
  template: renderTemplate,
  flex: renderFlex,
};

function renderMessage(message) {
  const render = MESSAGE_RENDERERS[message?.type];
  return (render && render(message)) || renderUnknown(message);
}

function renderUnknown(message) {
  const kind = message?.type === "template" ? `template/${message.template?.type}` : message?.type;
  return el("div", "bubble bubble--unknown", `[ข้อความประเภท ${kind ?? "ไม่ทราบ"}]`);
}

function renderText(message) {
  const bubble = el("div", "bubble bubble--text");
  bubble.append(...linkify(String(message.text ?? "")));
  return bubble;
}

// URLs stop at the first non-ASCII character because Thai text often follows without a space.
const LINK_PATTERN = /(https?:\/\/[\w\-.~:/?#[\]@!$&'()*+,;=%]+)|((?<![\d+])(?:\+66[\s-]?|0)\d(?:[\s-]?\d){7,8}(?!\d))/g;
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/;

function linkify(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(LINK_PATTERN)) {
    let [found] = match;
    if (match[1]) found = found.replace(TRAILING_PUNCTUATION, "");
    nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(match[1] ? externalLink(found, found) : phoneLink(found));
    last = match.index + found.length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

function externalLink(href, label) {
  const link = el("a", "chat-link", label);
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

function phoneLink(number) {
  const link = el("a", "chat-link", number);
  link.href = "tel:" + number.replace(/[^\d+]/g, "");
  return link;
}

function imageNode(url, className, alt = "") {
  const img = el("img", className);
  img.alt = alt;
  img.loading = "lazy";
  img.decoding = "async";
  img.referrerPolicy = "no-referrer";
  if (isHttpUrl(url)) img.src = url;
  img.addEventListener("load", scrollToBottom);
  return img;
}

function renderImage(message) {
  const bubble = el("div", "bubble bubble--image");
  bubble.append(imageNode(message.originalContentUrl, "bubble__image", "รูปภาพจากแชต"));
  return bubble;
}

function renderLocation(message) {
  const bubble = el("div", "bubble bubble--location");
  bubble.append(el("p", "location__title", message.title || "ตำแหน่ง"));
  if (message.address) bubble.append(el("p", "location__address", message.address));
  const lat = Number(message.latitude);
  const lng = Number(message.longitude);
  if (Number.isFinite(lat) && Number.isFinite(lng)) {
    const href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=17/${lat}/${lng}`;
    bubble.append(externalLink(href, "ดูแผนที่ใน OpenStreetMap"));
  }
  return bubble;
}

// ---------------------------------------------------------------- template messages

const TEMPLATE_RENDERERS = {
  buttons: (template) => templateCard(template),
  confirm: renderConfirm,
  carousel: (template) => scroller((template.columns ?? []).map((column) => templateCard(column, template))),
  image_carousel: (template) => scroller((template.columns ?? []).map(imageCarouselColumn)),
};

function renderTemplate(message) {
  const render = TEMPLATE_RENDERERS[message.template?.type];
  return render ? render(message.template) : null;
}

function actionButton(action, className, fallbackLabel = "เลือก") {
  const button = el("button", className, actionLabel(action, fallbackLabel));
  button.type = "button";
  return bindAction(button, action);
}

// One card of a buttons template or of a carousel (whose image settings live on the template).
function templateCard(card, template = card) {
  const node = el("div", "card");
  const summary = el("div", "card__summary");
  if (card.thumbnailImageUrl) {
    const image = imageNode(card.thumbnailImageUrl, "card__image");
    image.classList.toggle("card__image--square", template.imageAspectRatio === "square");
    image.classList.toggle("card__image--contain", template.imageSize === "contain");
    if (card.imageBackgroundColor) image.style.backgroundColor = card.imageBackgroundColor;
    summary.append(image);
  }
  if (card.title) summary.append(el("p", "card__title", card.title));
  summary.append(el("p", "card__text", card.text ?? ""));
  bindAction(summary, card.defaultAction);
  const actions = el("div", "card__actions");
  for (const action of card.actions ?? []) actions.append(actionButton(action, "card__button"));
  node.append(summary, actions);
  return node;
}

function renderConfirm(template) {
  const node = el("div", "card card--confirm");
  node.append(el("p", "card__text", template.text ?? ""));
  const actions = el("div", "card__actions card__actions--row");
  for (const action of (template.actions ?? []).slice(0, 2)) actions.append(actionButton(action, "card__button"));
  node.append(actions);
  return node;
}

function imageCarouselColumn(column) {
  const node = el("div", "image-column");
  node.append(imageNode(column.imageUrl, "image-column__image"));
  if (column.action?.label) node.append(el("span", "image-column__label", column.action.label));
  return bindAction(node, column.action);
}

function scroller(items) {
  const node = el("div", "scroller is-wide");
  node.append(...items);
  return node;
}

// ---------------------------------------------------------------- flex messages

const FLEX_SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
const FLEX_TEXT_SIZE = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
const FLEX_IMAGE_SIZE = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180, "4xl": 200, "5xl": 220 };
const FLEX_BORDER_WIDTH = { none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4 };
const BUBBLE_WIDTH = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 386 };
const FLEX_JUSTIFY = new Set(["flex-start", "flex-end", "center", "space-between", "space-around", "space-evenly"]);
const FLEX_ALIGN_ITEMS = new Set(["flex-start", "flex-end", "center"]);
const FLEX_ALIGN = { start: "flex-start", end: "flex-end", center: "center" };
const FLEX_GRAVITY = { top: "flex-start", bottom: "flex-end", center: "center" };
const FLEX_OFFSET = { offsetTop: "top", offsetBottom: "bottom", offsetStart: "insetInlineStart", offsetEnd: "insetInlineEnd" };
const FLEX_PADDING = {
  paddingTop: "paddingTop", paddingBottom: "paddingBottom",
  paddingStart: "paddingInlineStart", paddingEnd: "paddingInlineEnd",
};

// A keyword from `table` in px, or a literal "12px"/"50%" (the forms LINE accepts).
function flexLength(value, table) {
  if (table && value in table) return `${table[value]}px`;
  return typeof value === "string" && /^\d+(\.\d+)?(px|%)$/.test(value) ? value : "";
}

function renderFlex(message) {
  const contents = message.contents;
  if (contents?.type === "bubble") return flexBubble(contents);
  if (contents?.type === "carousel") return scroller((contents.contents ?? []).map(flexBubble));
  return null;
}

function flexBubble(bubble) {
  const node = el("div", "flex-bubble");
  node.style.width = `${BUBBLE_WIDTH[bubble.size] ?? BUBBLE_WIDTH.mega}px`;
  if (bubble.direction === "rtl") node.dir = "rtl";
  for (const block of ["header", "hero", "body", "footer"]) {
    const component = bubble[block];
    const content = component && flexComponent(component, "vertical");
    if (!content) continue;
    const part = el("div", `flex-block flex-block--${block}`);
    const style = bubble.styles?.[block] ?? {};
    if (style.backgroundColor) part.style.backgroundColor = style.backgroundColor;
    if (style.separator) {
      part.classList.add("flex-block--separated");
      if (style.separatorColor) part.style.borderTopColor = style.separatorColor;
    }
    part.append(content);
    node.append(part);
  }
  return bindAction(node, bubble.action);
}

const FLEX_COMPONENTS = {
  box: flexBox,
  text: flexText,
  button: flexButton,
  separator: flexSeparator,
  image: flexImage,
  icon: flexIcon,
  filler: () => el("div", "flex-filler"),
  spacer: (spacer) => {
    const node = el("div", "flex-spacer");
    node.style.flexBasis = flexLength(spacer.size ?? "md", FLEX_SPACING);
    return node;
  },
};

// Unknown components (video, future types) are skipped, as an older LINE app would.
function flexComponent(component, parentLayout) {
  const render = FLEX_COMPONENTS[component?.type];
  if (!render) return null;
  const node = render(component, parentLayout);
  applyFlexItem(node, component, parentLayout);
  return bindAction(node, component.type === "button" ? null : component.action);
}

// How a child sits in its box: LINE's `flex` defaults to 1 across a row, 0 down a column.
function applyFlexItem(node, component, parentLayout) {
  const across = parentLayout !== "vertical";
  if (component.type === "filler") {
    node.style.flex = `${component.flex ?? 1} 0 0`;
  } else if (component.type !== "separator" && component.type !== "icon" && component.type !== "spacer") {
    const grow = Number(component.flex ?? (across ? 1 : 0));
    node.style.flex = across ? (grow > 0 ? `${grow} 1 0` : "0 0 auto") : `${grow} 0 auto`;
  }
  if (across && component.gravity in FLEX_GRAVITY) node.style.alignSelf = FLEX_GRAVITY[component.gravity];
  if (component.position === "absolute") {
    node.style.position = "absolute";
    setLengths(node.style, component, FLEX_OFFSET);
  }
}

function flexBox(box) {
  const layout = ["horizontal", "baseline"].includes(box.layout) ? box.layout : "vertical";
  const node = el("div", `flex-box flex-box--${layout}`);
  styleFlexBox(node, box);
  let rendered = 0;
  for (const child of box.contents ?? []) {
    const childNode = flexComponent(child, layout);
    if (!childNode) continue;
    // A child's own margin wins over the box's spacing; the first child gets neither.
    const gap = rendered > 0 ? flexLength(child.margin ?? box.spacing, FLEX_SPACING) : "";
    if (gap) childNode.style[layout === "vertical" ? "marginTop" : "marginInlineStart"] = gap;
    node.append(childNode);
    rendered += 1;
  }
  return node;
}

function styleFlexBox(node, box) {
  const style = node.style;
  if (box.backgroundColor) style.backgroundColor = box.backgroundColor;
  if (box.borderColor) style.borderColor = box.borderColor;
  const border = flexLength(box.borderWidth, FLEX_BORDER_WIDTH);
  if (border) style.borderWidth = border;
  style.borderRadius = flexLength(box.cornerRadius, FLEX_SPACING);
  style.padding = flexLength(box.paddingAll, FLEX_SPACING);
  setLengths(style, box, FLEX_PADDING);
  for (const property of ["width", "maxWidth", "height", "maxHeight"]) {
    const value = flexLength(box[property]);
    if (value) style[property] = value;
  }
  if (FLEX_JUSTIFY.has(box.justifyContent)) style.justifyContent = box.justifyContent;
  if (FLEX_ALIGN_ITEMS.has(box.alignItems)) style.alignItems = box.alignItems;
}

// Copies LINE length keys (offsetTop, paddingStart, …) to the CSS properties they map to.
function setLengths(style, component, properties) {
  for (const [key, property] of Object.entries(properties)) {
    const value = flexLength(component[key], FLEX_SPACING);
    if (value) style[property] = value;
  }
}

function styleFlexText(node, component) {
  const size = flexLength(component.size, FLEX_TEXT_SIZE);
  if (size) node.style.fontSize = size;
  if (component.weight === "bold") node.style.fontWeight = "700";
  if (component.color) node.style.color = component.color;
  if (component.style === "italic") node.style.fontStyle = "italic";
  if (component.decoration === "underline" || component.decoration === "line-through") {
    node.style.textDecoration = component.decoration;
  }
}

function flexText(component) {
  const node = el("p", "flex-text");
  const spans = Array.isArray(component.contents) ? component.contents.filter((c) => c?.type === "span") : [];
  if (spans.length) {
    for (const span of spans) {
      const spanNode = el("span", "", span.text ?? "");
      styleFlexText(spanNode, span);
      node.append(spanNode);
    }
  } else {
    node.textContent = component.text ?? "";
  }
  styleFlexText(node, component);
  if (component.align in FLEX_ALIGN) node.style.textAlign = component.align;
  if (component.wrap) node.classList.add("flex-text--wrap");
  const maxLines = Number(component.maxLines);
  if (component.wrap && maxLines > 0) {
    node.classList.add("flex-text--clamped");
    node.style.webkitLineClamp = String(maxLines);
  }
  const lineSpacing = flexLength(component.lineSpacing);
  if (lineSpacing) node.style.lineHeight = `calc(1.4em + ${lineSpacing})`;
  return node;
}

function flexButton(component) {
  const style = ["primary", "secondary"].includes(component.style) ? component.style : "link";
  const button = actionButton(component.action, `flex-button flex-button--${style}`);
  if (component.height === "sm") button.classList.add("flex-button--small");
  if (component.color) button.style[style === "link" ? "color" : "backgroundColor"] = component.color;
  return button;
}

function flexSeparator(component, parentLayout) {
  const node = el("div", `flex-separator flex-separator--${parentLayout === "vertical" ? "row" : "column"}`);
  if (component.color) node.style.borderColor = component.color;
  return node;
}

function flexAspectRatio(value, fallback) {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(value ?? "");
  return match ? `${match[1]} / ${match[2]}` : fallback;
}

// The frame is the flex item; the picture inside keeps its own size and alignment.
function flexImage(component) {
  const frame = el("div", "flex-image");
  frame.style.justifyContent = FLEX_ALIGN[component.align] ?? "center";
  const width = component.size === "full" ? "100%" : flexLength(component.size ?? "md", FLEX_IMAGE_SIZE);
  const image = imageNode(component.url, "flex-image__img");
  image.style.width = width || "100%";
  image.style.aspectRatio = flexAspectRatio(component.aspectRatio, "1 / 1");
  image.style.objectFit = component.aspectMode === "cover" ? "cover" : "contain";
  if (component.backgroundColor) image.style.backgroundColor = component.backgroundColor;
  frame.append(image);
  return frame;
}

function flexIcon(component) {
  const icon = imageNode(component.url, "flex-icon");
  const size = flexLength(component.size ?? "md", FLEX_TEXT_SIZE) || "16px";
  icon.style.height = size;
  icon.style.aspectRatio = flexAspectRatio(component.aspectRatio, "1 / 1");
  return icon;
}

// ---------------------------------------------------------------- quick replies

function showQuickReplies(quickReply) {
  const items = Array.isArray(quickReply?.items) ? quickReply.items : [];
  const defaults = { location: "ส่งตำแหน่ง", camera: "กล้อง", cameraRoll: "รูปภาพ" };
  const buttons = items
    .filter((item) => item?.action)
    .map((item) => {
      const button = actionButton(item.action, "quick-reply", defaults[item.action.type]);
      if (isHttpUrl(item.imageUrl)) button.prepend(imageNode(item.imageUrl, "quick-reply__icon"));
      return button;
    });
  ui.quickReplies.replaceChildren(...buttons);
  ui.quickReplies.hidden = buttons.length === 0;
  scrollToBottom();
}

function hideQuickReplies() {
  ui.quickReplies.replaceChildren();
  ui.quickReplies.hidden = true;
}

// ---------------------------------------------------------------- rich menu

const narrowScreen = window.matchMedia("(max-width: 599px)");

function setMenuOpen(open) {
  if (!ui.menuGrid) return;
  ui.menuGrid.hidden = !open;
  ui.menuToggle.setAttribute("aria-expanded", String(open));
  scrollToBottom();
}

// On a phone the keyboard and the rich menu share the bottom of the screen, as in LINE.
function onComposerFocus() {
  if (narrowScreen.matches) setMenuOpen(false);
}

function bindRichMenu() {
  if (!ui.menuGrid) return;
  ui.input.addEventListener("focus", onComposerFocus);
  for (const item of ui.menuGrid.querySelectorAll(".rich-menu__item")) {
    bindAction(item, { type: "postback", data: item.dataset.postback, displayText: item.dataset.displayText });
  }
  ui.menuToggle.addEventListener("click", () => setMenuOpen(ui.menuGrid.hidden));
}

// ---------------------------------------------------------------- start

function init() {
  // Set from a data attribute, not an inline style: the page's CSP allows no inline styles.
  if (ui.menuGrid?.dataset.columns) ui.menuGrid.style.setProperty("--columns", ui.menuGrid.dataset.columns);
  document.addEventListener("click", onActionClick);
  document.addEventListener("keydown", onActionKey);
  document.addEventListener("visibilitychange", onVisibilityChange);
  ui.chat.addEventListener("scroll", trackScroll, { passive: true });
  ui.composer.addEventListener("submit", onComposerSubmit);
  ui.input.addEventListener("keydown", onComposerKey);
  ui.input.addEventListener("input", resizeComposer);
  ui.restart.addEventListener("click", restart);
  ui.picker.addEventListener("close", onPickerClosed);
  bindRichMenu();

  const storedUserId = localStorage.getItem(USER_ID_KEY);
  if (config.groupMode) {
    const storedGroupId = localStorage.getItem(GROUP_ID_KEY);
    const known = storedGroupId && /^C[0-9a-f]{32}$/.test(storedGroupId);
    state.groupId = known ? storedGroupId : newUserId("C");
    if (!known) {
      startUser(storedUserId && /^U[0-9a-f]{32}$/.test(storedUserId) ? storedUserId : newUserId(), true);
      sendFollow();
      return;
    }
  }
  if (storedUserId && /^U[0-9a-f]{32}$/.test(storedUserId)) {
    startUser(storedUserId, false); // the first poll loads history, or greets if there is none
  } else {
    startUser(newUserId(), true);
    sendFollow();
  }
}

init();
