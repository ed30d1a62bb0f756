// The spectator board (/board/{slug}; ?screen=1 for a projector). Follows the board socket
// (docs/boards.md): a snapshot, then updates with increasing versions; reconnects with
// backoff and starts again from the snapshot the server sends on every connection.
// Server-provided text only ever goes through textContent, never innerHTML.

const TEXT = {
  zh: {
    rank: "名次", team: "参赛队", total: "总分", all: "总榜", live: "实时", connecting: "连接中…",
    offline: "已断开，正在重连", frozen: "成绩已封榜，最终结果将在颁奖时揭晓", hidden: "待揭晓",
    empty: "暂无成绩", notPublic: "该赛事的排行榜未公开", station: "工位", provisional: "* 暂定成绩",
    version: "版本", lang: "EN",
  },
  en: {
    rank: "Rank", team: "Team", total: "Total", all: "Overall", live: "Live", connecting: "Connecting…",
    offline: "Offline, reconnecting", frozen: "The board is frozen; final results are revealed at the ceremony",
    hidden: "To be revealed", empty: "No scores yet", notPublic: "This contest's board is not public",
    station: "Station", provisional: "* provisional", version: "version", lang: "中文",
  },
};

const params = new URLSearchParams(location.search);
const screen = params.get("screen") === "1";
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const $ = (id) => document.getElementById(id);

let lang = localStorage.getItem("skillboard.lang") || (navigator.language.startsWith("zh") ? "zh" : "en");
let board = null;
let version = -1;
let module = params.get("module") || "";
let socket = null;
let backoff = 1000;
let connection = "connecting";

function t(key) { return TEXT[lang][key]; }

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function setConnection(state) {
  connection = state;
  const badge = $("connection");
  badge.className = `conn conn-${state}`;
  badge.textContent = t(state);
}

function rowKey(row) { return row.hidden ? `p${row.position}` : row.code; }

function teamLabel(row) {
  if (row.hidden) return t("hidden");
  return row.name ? row.name : row.code;
}

function teamMeta(row) {
  if (row.hidden) return "";
  const parts = [];
  if (row.name) parts.push(row.school, row.code);
  if (row.station !== null && row.station !== undefined) parts.push(`${t("station")} ${row.station}`);
  return parts.filter(Boolean).join(" · ");
}

function renderChrome() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("lang").textContent = t("lang");
  $("h-rank").textContent = t("rank");
  $("h-team").textContent = t("team");
  $("h-total").textContent = t("total");
  setConnection(connection);
  if (!board) return;
  const title = lang === "zh" ? board.contest.title_zh : (board.contest.title_en || board.contest.title_zh);
  $("title").textContent = title;
  document.title = title;
  const current = board.modules.find((m) => m.code === module);
  $("subtitle").textContent = current
    ? `${current.code} · ${lang === "zh" ? current.title_zh : (current.title_en || current.title_zh)}`
    : t("all");
  const notice = $("notice");
  notice.hidden = !board.frozen;
  notice.textContent = board.frozen ? t("frozen") : "";
  renderTabs();
  $("version").textContent = `${t("version")} ${version}`;
}

function renderTabs() {
  const tabs = $("tabs");
  tabs.replaceChildren();
  const entries = [["", t("all")], ...board.modules.map((m) => [m.code, `${m.code} ${lang === "zh" ? m.title_zh : (m.title_en || m.title_zh)}`])];
  for (const [code, label] of entries) {
    const button = el("button", "", label);
    button.type = "button";
    button.setAttribute("aria-pressed", String(code === module));
    button.addEventListener("click", () => { module = code; refreshModule(); });
    tabs.append(button);
  }
}

// FLIP: remember where each row was, rebuild, then slide rows from there to their new place.
function renderRows(rows) {
  const body = $("rows");
  const before = new Map();
  const oldRanks = new Map();
  for (const tr of body.children) {
    before.set(tr.dataset.key, tr.getBoundingClientRect().top);
    oldRanks.set(tr.dataset.key, Number(tr.dataset.rank));
  }
  const fresh = rows.map((row) => {
    const key = rowKey(row);
    const tr = el("tr", row.hidden ? "hidden-row" : (row.award ? `award-${row.award}` : ""));
    tr.dataset.key = key;
    tr.dataset.rank = row.hidden ? "" : String(row.rank);
    const rank = el("td", "rank", row.hidden ? row.position : row.rank);
    const old = oldRanks.get(key);
    if (!row.hidden && old && old !== row.rank) {
      const up = row.rank < old;
      rank.append(el("span", `move ${up ? "up" : "down"}`, up ? "▲" : "▼"));
    }
    const team = el("td", "team");
    team.append(el("span", "who", teamLabel(row)));
    const meta = teamMeta(row);
    if (meta) team.append(el("span", "meta", meta));
    if (!row.hidden && !module && row.modules) {
      const chips = el("span", "modules");
      row.modules.forEach((score, i) => {
        const code = board.modules[i] ? board.modules[i].code : i + 1;
        chips.append(el("span", `chip${score.provisional ? " provisional" : ""}`, `${code} ${score.score}`));
      });
      team.append(chips);
    }
    const total = el("td", "total");
    if (!row.hidden) total.append(el("span", `score${row.provisional ? " provisional" : ""}`, row.total));
    tr.append(rank, team, total);
    return tr;
  });
  body.replaceChildren(...fresh);
  for (const tr of fresh) {
    const was = before.get(tr.dataset.key);
    if (was === undefined) continue;
    const delta = was - tr.getBoundingClientRect().top;
    if (Math.abs(delta) < 1) continue;
    tr.style.transition = "none";
    tr.style.transform = `translateY(${delta}px)`;
    tr.classList.add("flash");
    requestAnimationFrame(() => requestAnimationFrame(() => {
      tr.style.transition = "";
      tr.style.transform = "";
    }));
  }
  const empty = $("empty");
  empty.hidden = rows.length > 0;
  empty.textContent = t("empty");
}

function render() {
  renderChrome();
  if (!board) return;
  if (!module) renderRows(board.rows);
}

// Per-module boards come over HTTP, fetched again whenever the socket brings a new version.
async function refreshModule() {
  render();
  if (!module) return;
  const response = await fetch(`/api/v1/contests/${encodeURIComponent(slug)}/board?module=${encodeURIComponent(module)}`);
  if (!response.ok) return;
  const view = await response.json();
  if (module === view.module) renderRows(view.rows);
}

function showNotPublic() {
  const notice = $("notice");
  notice.hidden = false;
  notice.textContent = t("notPublic");
}

// A patch (docs/boards.md) names the teams that left (`removed`) and, by increasing index, the
// teams that are new or moved past others (`moves`: [code, index]); the other teams keep their
// order. Ranks and awards come as runs from the top ([step from the rank above, rows] and
// [award, rows]); `rows` carries the rows whose content changed, the others are kept from the
// last board. Null when the patch does not fit this page's board: the caller asks for a fresh
// snapshot.
function applyPatch(previous, patch) {
  try {
    const { removed, moves, ranks, awards, rows: changed, ...header } = patch;
    const known = new Map(previous.rows.map((row) => [row.code, row]));
    for (const row of changed) known.set(row.code, row);
    const leaving = new Set([...removed, ...moves.map(([code]) => code)]);
    const order = previous.rows.map((row) => row.code).filter((code) => !leaving.has(code));
    for (const [code, index] of moves) {
      if (index > order.length) return null;
      order.splice(index, 0, code);
    }
    const expand = (runs, next) => {
      const values = [];
      for (const [value, count] of runs) {
        if (values.length + count > order.length) return null;
        for (let i = 0; i < count; i += 1) values.push(next(values[values.length - 1], value));
      }
      return values.length === order.length ? values : null;
    };
    const rankList = expand(ranks, (above, step) => (above ?? 0) + step);
    const awardList = expand(awards, (_, award) => award);
    if (!rankList || !awardList) return null;
    const rows = [];
    for (let i = 0; i < order.length; i += 1) {
      const row = known.get(order[i]);
      if (!row) return null;
      rows.push({ ...row, rank: rankList[i], award: awardList[i] });
    }
    return { ...header, rows };
  } catch {
    return null;
  }
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${proto}//${location.host}/ws/contests/${encodeURIComponent(slug)}/board`);
  setConnection("connecting");
  socket.addEventListener("open", () => { backoff = 1000; setConnection("live"); });
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    if (!["snapshot", "update", "patch"].includes(message.type)) return;
    if (message.type !== "snapshot" && message.version <= version) return;
    if (message.type === "patch") {
      const patched = message.base <= version && board ? applyPatch(board, message.patch) : null;
      if (!patched) { socket.send(JSON.stringify({ type: "resync" })); return; }
      board = patched;
    } else {
      board = message.board;
    }
    version = message.version;
    // What the last message was (snapshot, update or patch): for tests and for support.
    document.documentElement.dataset.lastMessage = message.type;
    if (module) refreshModule(); else render();
  });
  socket.addEventListener("close", async () => {
    setConnection("offline");
    const probe = await fetch(`/api/v1/contests/${encodeURIComponent(slug)}/board`).catch(() => null);
    if (probe && probe.status === 404) showNotPublic();
    const wait = backoff + Math.random() * backoff / 2;
    backoff = Math.min(backoff * 2, 30000);
    setTimeout(connect, wait);
  });
}

// A phone that slept may have missed updates: ask for a fresh snapshot when it wakes.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: "resync" }));
  }
});

$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("skillboard.lang", lang);
  if (module) refreshModule(); else render();
});

// Projector: scroll through long boards, pause at both ends.
function autoScroll() {
  let pause = 0;
  setInterval(() => {
    if (pause > 0) { pause -= 1; return; }
    const bottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 2;
    if (bottom) { pause = 60; setTimeout(() => window.scrollTo({ top: 0, behavior: "smooth" }), 3000); return; }
    window.scrollBy(0, 2);
  }, 50);
}

if (screen) { document.body.classList.add("screen"); autoScroll(); }
render();
connect();
