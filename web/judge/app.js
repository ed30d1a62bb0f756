// The judge's tablet app: sign in from the personal link → modules → teams → score sheet.
// Everything the judge enters goes to IndexedDB first; the outbox sends it when it can.

import { h } from './dom.js';
import { t, lang, setLang, pick } from './i18n.js';
import { call, ApiError, NetworkError } from './api.js';
import * as store from './store.js';
import * as outbox from './outbox.js';
import * as marks from './marks.js';

const root = document.getElementById('app');
let session = null; // {secret, judge_id, name, contest}
let me = null; // GET /judge/me, or its last copy
let screen = null; // {name, module?, team?, refresh()}
let draftTimer = null;

const DRAFT_IDLE_MS = 8000;

function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (plain HTTP on a venue network) randomUUID is missing.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------- chrome

function statusText() {
  const s = outbox.status;
  if (s.connection === 'offline') {
    return s.waiting ? t('conn_offline', { n: s.waiting }) : t('conn_offline_none');
  }
  if (s.connection === 'online') {
    return s.waiting ? t('conn_online_sending', { n: s.waiting }) : t('conn_online_all_sent');
  }
  return t('conn_unknown');
}

function statusPill() {
  return h('div', {
    id: 'connection', class: `pill conn-${outbox.status.connection}`, role: 'status',
    dataset: { connection: outbox.status.connection, waiting: String(outbox.status.waiting) },
  }, statusText());
}

function header(back) {
  const langButton = h('button', {
    class: 'lang', type: 'button', id: 'lang', 'aria-label': t('language_switch_label'),
    onclick: () => { setLang(lang() === 'zh' ? 'en' : 'zh'); render(); },
  }, t('language_switch'));
  return h('header', { class: 'bar' },
    back ? h('a', { class: 'back', href: back.href, id: 'back' }, back.label) : h('span', { class: 'brand' }, 'Skillboard'),
    h('div', { class: 'who' },
      h('div', { class: 'app-title' }, t('app_title')),
      session ? h('div', { class: 'judge-name' }, session.name) : null),
    statusPill(),
    langButton);
}

function sessionBanner() {
  if (!outbox.status.paused) return null;
  return h('div', { class: 'banner problem', role: 'alert', id: 'session-ended' },
    h('strong', {}, t('session_ended_title')),
    h('p', {}, t('session_ended_text')));
}

function show(back, ...content) {
  root.replaceChildren(...[header(back), sessionBanner(), h('main', { class: 'screen' }, ...content)].filter(Boolean));
  window.scrollTo(0, 0);
}

function refreshChrome() {
  const pill = document.getElementById('connection');
  if (pill) pill.replaceWith(statusPill());
  const banner = document.getElementById('session-ended');
  if (outbox.status.paused && !banner) root.querySelector('header')?.after(sessionBanner());
}

// ---------------------------------------------------------------- sign-in

async function signIn(token, pin) {
  show(null, h('p', { class: 'notice' }, t('signing_in')));
  try {
    const reply = await call('POST', '/api/v1/judge/session', { body: pin ? { token, pin } : { token } });
    const d = reply.data;
    session = { secret: d.session, judge_id: d.judge_id, name: d.name, contest: d.contest };
    await store.kvSet('session', session);
    outbox.noteOnline();
    await startSession();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'judge.invalid_link') {
      renderPin(token, pin ? 'pin_wrong' : null);
    } else if (error instanceof ApiError && error.status === 429) {
      renderPin(token, 'too_many_tries');
    } else {
      show(null, h('div', { class: 'card' },
        h('p', { class: 'notice', role: 'alert' }, t('cannot_reach')),
        h('button', { class: 'primary', type: 'button', onclick: () => signIn(token, pin) }, t('try_again'))));
    }
  }
}

function renderPin(token, message) {
  const input = h('input', {
    id: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: '12', 'aria-label': t('pin_label'),
  });
  const form = h('form', {
    class: 'card pin', onsubmit: (event) => { event.preventDefault(); signIn(token, input.value.trim()); },
  },
  h('h1', {}, t('pin_title')),
  h('p', {}, t('pin_text')),
  message ? h('p', { class: 'error', role: 'alert', id: 'pin-error' }, t(message)) : null,
  h('label', { for: 'pin' }, t('pin_label')),
  input,
  h('button', { class: 'primary', type: 'submit', id: 'pin-submit' }, t('pin_submit')));
  screen = { name: 'pin', refresh: () => renderPin(token, message) };
  show(null, form);
  input.focus();
}

function renderNoSession() {
  screen = { name: 'no-session', refresh: renderNoSession };
  show(null, h('div', { class: 'card' }, h('h1', {}, t('no_link_title')), h('p', {}, t('no_link_text'))));
}

async function startSession() {
  outbox.start(session);
  // Drafts typed before the tab was closed go out as drafts: a copy on the server too.
  for (const record of await store.sheetsOf(session.judge_id)) {
    if (record.dirty && !record.problem) await outbox.queue(record.key, 'draft');
  }
  await loadMe();
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', '/judge#/');
  render();
}

async function loadMe() {
  try {
    const reply = await call('GET', '/api/v1/judge/me', { session: session.secret });
    me = reply.data;
    outbox.noteOnline();
    await store.kvSet(`me:${session.judge_id}`, me);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      outbox.status.paused = error.code;
    }
    me = (await store.kvGet(`me:${session.judge_id}`)) || null;
  }
}

// ---------------------------------------------------------------- routing

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'm' && parts[1] && parts[2] === 't' && parts[3]) return { name: 'sheet', module: parts[1], team: parts[3] };
  if (parts[0] === 'm' && parts[1]) return { name: 'teams', module: parts[1] };
  return { name: 'modules' };
}

function render() {
  if (!session) {
    if (screen && screen.refresh) screen.refresh();
    else renderNoSession();
    return;
  }
  if (!me) {
    screen = { name: 'offline', refresh: render };
    show(null, h('div', { class: 'card' },
      h('p', { class: 'notice', role: 'alert' }, t('offline_no_data')),
      h('button', { class: 'primary', type: 'button', onclick: async () => { await loadMe(); render(); } }, t('try_again'))));
    return;
  }
  const where = route();
  if (where.name === 'sheet') renderSheet(where.module, where.team);
  else if (where.name === 'teams') renderTeams(where.module);
  else renderModules();
}

// ---------------------------------------------------------------- modules and teams

function moduleOf(code) {
  return me.modules.find((m) => m.code === code);
}

function judged(module) {
  return module.criteria.some((c) => c.kind !== 'imported');
}

async function teamsOf(code) {
  const key = `teams:${session.judge_id}:${code}`;
  try {
    const reply = await call('GET', `/api/v1/judge/modules/${encodeURIComponent(code)}/teams`, { session: session.secret });
    outbox.noteOnline();
    await store.kvSet(key, reply.data);
    return { teams: reply.data, fresh: true };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) outbox.status.paused = error.code;
    return { teams: (await store.kvGet(key)) || [], fresh: false };
  }
}

async function recordsOf(module) {
  const all = await store.sheetsOf(session.judge_id);
  return new Map(all.filter((r) => r.module === module).map((r) => [r.team, r]));
}

async function renderModules() {
  screen = { name: 'modules', refresh: renderModules };
  const mine = screen;
  await loadMe();
  const items = [];
  for (const module of me.modules) {
    const locked = module.state === 'locked';
    const cached = (await store.kvGet(`teams:${session.judge_id}:${module.code}`)) || [];
    const records = await recordsOf(module.code);
    const sent = cached.filter((team) => outbox.stateOf(records.get(team.code), team.sheet, false) === 'sent').length;
    items.push(h('li', {},
      h('a', { class: `tile module${locked ? ' locked' : ''}`, href: `#/m/${encodeURIComponent(module.code)}`, dataset: { module: module.code, state: module.state } },
        h('span', { class: 'code' }, module.code),
        h('span', { class: 'title' }, pick(module.title_zh, module.title_en)),
        h('span', { class: `badge ${locked ? 'state-locked' : 'state-open'}` }, locked ? t('module_locked') : t('module_open')),
        cached.length ? h('span', { class: 'progress' }, t('module_progress', { sent, total: cached.length })) : null)));
  }
  if (screen !== mine) return;
  show(null,
    h('h1', {}, pick(me.contest_title_zh, me.contest_title_en)),
    h('h2', {}, t('modules_title')),
    items.length ? h('ul', { class: 'tiles' }, items) : h('p', { class: 'notice' }, t('no_modules')));
}

function byStation(a, b) {
  const sa = a.station ?? Number.MAX_SAFE_INTEGER;
  const sb = b.station ?? Number.MAX_SAFE_INTEGER;
  return sa - sb || a.code.localeCompare(b.code);
}

async function renderTeams(code) {
  screen = { name: 'teams', module: code, refresh: () => renderTeams(code) };
  const mine = screen;
  const module = moduleOf(code);
  if (!module) { location.hash = '#/'; return; }
  const back = { href: '#/', label: t('back_modules') };
  if (!judged(module)) {
    show(back, h('h1', {}, `${module.code} · ${pick(module.title_zh, module.title_en)}`), h('p', { class: 'notice' }, t('module_imported_only')));
    return;
  }
  // A module may have been locked (or reopened) since: the list shows it as it is now.
  const [{ teams, fresh }] = await Promise.all([teamsOf(code), loadMe()]);
  const records = await recordsOf(code);
  if (screen !== mine) return;
  const locked = (moduleOf(code) || module).state === 'locked';
  const rows = [...teams].sort(byStation).map((team) => {
    const state = outbox.stateOf(records.get(team.code), team.sheet, locked);
    return h('li', {},
      h('a', { class: 'tile team', href: `#/m/${encodeURIComponent(code)}/t/${encodeURIComponent(team.code)}`, dataset: { team: team.code, state } },
        h('span', { class: 'station' }, team.station === null || team.station === undefined ? t('no_station') : `${t('station')} ${team.station}`),
        h('span', { class: 'code' }, team.code),
        h('span', { class: `badge state-${state}` }, t(`state_${state}`))));
  });
  show(back,
    h('h1', {}, `${module.code} · ${pick(module.title_zh, module.title_en)}`),
    h('p', { class: 'hint' }, locked ? t('module_locked') : t('teams_hint')),
    fresh ? null : h('p', { class: 'notice' }, t('teams_offline')),
    h('ul', { class: 'tiles teams' }, rows));
}

// ---------------------------------------------------------------- the score sheet

function blankRecord(key, code, team) {
  return {
    key, judge_id: session.judge_id, module: code, team, client_id: newUuid(),
    marks: {}, comment: '', status: 'draft', confirmed: null, outgoing: null, dirty: false, problem: null,
  };
}

async function renderSheet(code, team) {
  screen = { name: 'sheet', module: code, team, refresh: () => renderSheet(code, team) };
  const mine = screen;
  const module = moduleOf(code);
  if (!module) { location.hash = '#/'; return; }
  const key = store.sheetKey(session.judge_id, code, team);
  const cachedTeams = (await store.kvGet(`teams:${session.judge_id}:${code}`)) || [];
  const summary = (cachedTeams.find((x) => x.code === team) || {}).sheet || null;
  let record = await store.getSheet(key);
  const template = record || blankRecord(key, code, team);
  // The server has a sheet this tablet does not (another tablet, or a reopened one): use it.
  const behind = summary && (!record || (!record.outgoing && !record.dirty && !record.problem &&
    (!record.confirmed || record.confirmed.version < summary.version) && record.client_id === summary.client_id));
  const noLocal = summary && !record;
  if (behind || noLocal) {
    try {
      record = await outbox.adopt(key, summary.client_id, template);
    } catch (error) {
      if (!(error instanceof NetworkError)) console.warn('adopt', error);
    }
  }
  if (screen !== mine) return;
  const sheet = new SheetScreen(module, team, record || template, !!record);
  screen.sheet = sheet;
  sheet.render();
}

class SheetScreen {
  constructor(module, team, record, stored) {
    this.module = module;
    this.team = team;
    this.record = record;
    this.stored = stored;
    this.typed = {}; // what the judge typed that is not a valid mark yet, by criterion
    this.rows = {};
  }

  get locked() {
    return this.module.state === 'locked';
  }

  get readOnly() {
    const r = this.record;
    return this.locked || (r.status === 'submitted' && !r.problem);
  }

  async edit(change) {
    // Applied here at once, so quick taps on + build on each other, then stored.
    const template = { ...this.record };
    change(this.record);
    this.record.dirty = true;
    this.refresh();
    const seq = (this.seq = (this.seq || 0) + 1);
    const saved = await store.updateSheet(template.key, (r) => {
      const next = r || template;
      change(next);
      if (next.status === 'submitted' && next.problem) next.status = 'draft';
      next.dirty = true;
      next.edited_at = new Date().toISOString();
      return next;
    });
    if (seq === this.seq) this.record = saved;
    this.stored = true;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => this.flushDraft(), DRAFT_IDLE_MS);
    this.refresh();
  }

  async flushDraft() {
    clearTimeout(draftTimer);
    const r = await store.getSheet(this.record.key);
    if (r && r.dirty && !r.problem) await outbox.queue(r.key, 'draft');
  }

  /// Takes the outbox's news (versions, answers, refusals); the marks on screen stay the
  /// screen's, as an edit may still be on its way to IndexedDB.
  async reload() {
    const stored = await store.getSheet(this.record.key);
    if (stored) {
      const { marks: onScreen, comment } = this.record;
      this.record = { ...stored, marks: onScreen, comment };
      this.stored = true;
    }
    this.refresh();
  }

  render() {
    const m = this.module;
    const crit = m.criteria.map((c) => this.criterionRow(c));
    this.comment = h('textarea', {
      id: 'comment', rows: '2', maxlength: '2000', disabled: this.readOnly,
      oninput: (event) => { const text = event.target.value; this.edit((r) => { r.comment = text; }); },
    });
    this.comment.value = this.record.comment || '';
    this.problemBox = h('div', { id: 'problem' });
    this.syncLine = h('p', { id: 'sync', class: 'sync' });
    this.footer = h('footer', { class: 'sheet-foot' });
    show({ href: `#/m/${encodeURIComponent(m.code)}`, label: t('back_teams') },
      h('div', { class: 'sheet-head' },
        h('h1', { id: 'sheet-title' }, t('sheet_team', { code: this.team })),
        h('p', { class: 'module-name' }, `${m.code} · ${pick(m.title_zh, m.title_en)}`),
        this.syncLine),
      this.problemBox,
      h('ol', { class: 'criteria' }, crit),
      h('label', { class: 'comment', for: 'comment' }, t('comment')),
      this.comment,
      this.footer);
    this.refresh();
  }

  criterionRow(c) {
    const title = h('div', { class: 'crit-head' },
      h('span', { class: 'crit-code' }, c.code),
      h('span', { class: 'crit-text' }, pick(c.text_zh, c.text_en)));
    let kindText;
    let control;
    if (c.kind === 'judgement') {
      kindText = t('kind_judgement', { max: marks.show(marks.hundredths(c.max_mark)) });
      control = h('div', { class: 'levels', role: 'group', 'aria-label': c.code },
        [0, 1, 2, 3].map((level) => h('button', {
          type: 'button', class: 'level', dataset: { level: String(level) },
          onclick: () => this.edit((r) => { r.marks = { ...r.marks, [c.code]: { level } }; }),
        },
        h('span', { class: 'level-n' }, String(level)),
        h('span', { class: 'level-d' }, (c.descriptors && c.descriptors[level]) || t('level', { n: level })),
        h('span', { class: 'level-p' }, t('points', { p: marks.show(marks.points(c, { level })) })))));
    } else if (c.kind === 'measurement' || c.kind === 'deduction') {
      const max = marks.show(marks.hundredths(c.max_mark));
      kindText = c.kind === 'measurement'
        ? t('kind_measurement', { max, step: marks.show(marks.stepOf(c)) })
        : t('kind_deduction', { max });
      const input = h('input', {
        type: 'text', inputmode: 'decimal', class: 'value', autocomplete: 'off',
        'aria-label': t('value_label', { code: c.code }),
        oninput: (event) => this.typedValue(c, event.target.value),
      });
      control = h('div', { class: 'stepper' },
        h('button', { type: 'button', class: 'step minus', 'aria-label': t('minus'), onclick: () => this.step(c, -1) }, '−'),
        input,
        h('span', { class: 'max' }, `/ ${max}`),
        h('button', { type: 'button', class: 'step plus', 'aria-label': t('plus'), onclick: () => this.step(c, +1) }, '+'));
    } else {
      kindText = t('kind_imported');
      control = null;
    }
    const note = h('p', { class: 'crit-note' });
    const row = h('li', { class: `criterion kind-${c.kind}`, dataset: { criterion: c.code } },
      title, h('p', { class: 'crit-kind' }, kindText), control, note);
    this.rows[c.code] = { row, note, criterion: c };
    return row;
  }

  typedValue(c, text) {
    const parsed = marks.parseTyped(c, text);
    if (parsed.error) {
      this.typed[c.code] = parsed.error;
      this.refresh();
      return;
    }
    delete this.typed[c.code];
    this.edit((r) => {
      const next = { ...r.marks };
      if (parsed.empty) delete next[c.code];
      else next[c.code] = { value: parsed.value / 100 };
      r.marks = next;
    });
  }

  step(c, direction) {
    const current = marks.points(c, this.record.marks[c.code]);
    const step = marks.stepOf(c);
    const max = marks.hundredths(c.max_mark);
    let next;
    if (current === null) next = direction > 0 ? step : 0;
    else next = current + direction * step;
    // Snap to the step, stay in [0, max].
    next = Math.min(max, Math.max(0, Math.round(next / step) * step));
    delete this.typed[c.code];
    this.edit((r) => { r.marks = { ...r.marks, [c.code]: { value: next / 100 } }; });
  }

  /// Brings everything but the typing itself up to date: selected levels, values, notes,
  /// total, sync state, problem, footer.
  refresh() {
    const r = this.record;
    const readOnly = this.readOnly;
    const fieldProblems = new Map(((r.problem && r.problem.fields) || []).map((f) => [f.field.replace(/^marks\./, ''), f.code]));
    for (const { row, note, criterion: c } of Object.values(this.rows)) {
      const answer = r.marks[c.code];
      const p = marks.points(c, answer);
      row.classList.toggle('answered', p !== null);
      for (const button of row.querySelectorAll('button')) button.disabled = readOnly;
      for (const button of row.querySelectorAll('button.level')) {
        const on = answer && answer.level === Number(button.dataset.level);
        button.setAttribute('aria-pressed', on ? 'true' : 'false');
      }
      const input = row.querySelector('input.value');
      if (input) {
        input.disabled = readOnly;
        if (!(c.code in this.typed) && document.activeElement !== input) input.value = p === null ? '' : marks.show(p);
      }
      let noteText = '';
      let bad = false;
      if (this.typed[c.code]) { noteText = t(this.typed[c.code], { step: marks.show(marks.stepOf(c)) }); bad = true; }
      else if (fieldProblems.has(c.code)) { noteText = t(`field.${fieldProblems.get(c.code)}`); bad = true; }
      else if (c.kind === 'deduction') noteText = p === null ? t('deduction_none') : '';
      else if (marks.needsAnswer(c) && p === null) noteText = t('not_answered');
      note.textContent = noteText;
      note.classList.toggle('bad', bad);
      row.classList.toggle('flagged', bad);
    }
    if (this.comment) this.comment.disabled = readOnly;
    this.renderSync();
    this.renderProblem();
    this.renderFooter();
  }

  state() {
    return outbox.stateOf(this.stored ? this.record : null, null, this.locked);
  }

  renderSync() {
    const r = this.record;
    const state = this.state();
    const v = r.confirmed ? r.confirmed.version : '';
    const text = {
      local: t('sync_local'), waiting: t('sync_waiting'), locked: t('sync_locked'), problem: t('sync_problem'),
      sent: t('sync_sent', { v }), draft: t('sync_draft', { v }), not_started: t('sync_not_started'),
    }[state];
    this.syncLine.replaceChildren(h('span', { class: `badge state-${state}` }, t(`state_${state}`)), ' ', text);
    this.syncLine.dataset.state = state;
  }

  renderProblem() {
    const p = this.record.problem;
    if (!p) { this.problemBox.replaceChildren(); return; }
    const params = { module: this.module.code, team: this.team };
    const known = `problem.${p.code}`;
    const words = t(known, params) === known ? p.detail : t(known, params);
    const actions = [];
    if (p.code === 'sheet.module_locked' || p.code === 'contest.not_running') {
      actions.push(h('button', { type: 'button', class: 'primary', id: 'retry', onclick: () => outbox.retry(this.record.key) }, t('try_again')));
    }
    if (['sheet.stale_version', 'sheet.other_device', 'sheet.id_reused'].includes(p.code)) {
      actions.push(h('button', { type: 'button', class: 'primary', id: 'load-server', onclick: () => this.loadServer() }, t('load_server')));
    }
    const fields = (p.fields || []).map((f) => h('li', {}, `${f.field.replace(/^marks\./, '')}: ${t(`field.${f.code}`) === `field.${f.code}` ? f.code : t(`field.${f.code}`)}`));
    this.problemBox.replaceChildren(h('div', { class: 'banner problem', role: 'alert', dataset: { code: p.code } },
      h('strong', {}, t('problem_title')),
      h('p', { class: 'problem-text' }, words),
      fields.length ? h('ul', {}, fields) : null,
      actions.length ? h('div', { class: 'actions' }, actions) : null));
  }

  async loadServer() {
    try {
      const { teams } = await teamsOf(this.module.code);
      const summary = (teams.find((x) => x.code === this.team) || {}).sheet;
      const clientId = summary ? summary.client_id : this.record.client_id;
      this.record = await outbox.adopt(this.record.key, clientId, this.record);
      this.typed = {};
      this.render();
    } catch (error) {
      this.problemBox.append(h('p', { class: 'error', role: 'alert' }, error instanceof NetworkError ? t('cannot_reach') : error.message));
    }
  }

  renderFooter() {
    const { sum, max } = marks.total(this.module.criteria, this.record.marks);
    const totalBox = h('div', { class: 'total' },
      h('span', { class: 'total-label' }, t('total')),
      h('span', { class: 'total-value', id: 'total' }, marks.show(sum)),
      h('span', { class: 'total-max' }, t('of_max', { max: marks.show(max) })));
    let action;
    if (this.readOnly) {
      action = h('div', { class: 'done' },
        h('span', { class: 'done-note' }, this.locked ? t('sync_locked') : t('submitted_note')),
        this.nextTeamButton());
    } else {
      action = h('button', { type: 'button', class: 'primary submit', id: 'submit', onclick: () => this.confirmSubmit() }, t('submit'));
    }
    this.footer.replaceChildren(totalBox, action);
  }

  nextTeamButton() {
    const link = h('a', { class: 'button', id: 'next-team', href: `#/m/${encodeURIComponent(this.module.code)}` }, t('next_team'));
    store.kvGet(`teams:${session.judge_id}:${this.module.code}`).then((teams) => {
      const sorted = [...(teams || [])].sort(byStation);
      const i = sorted.findIndex((x) => x.code === this.team);
      if (i >= 0 && sorted[i + 1]) link.href = `#/m/${encodeURIComponent(this.module.code)}/t/${encodeURIComponent(sorted[i + 1].code)}`;
    });
    return link;
  }

  confirmSubmit() {
    const criteria = this.module.criteria;
    const missing = marks.unanswered(criteria, this.record.marks);
    const close = () => dialog.remove();
    let body;
    let buttons;
    if (missing.length || Object.keys(this.typed).length) {
      const typedBad = criteria.filter((c) => this.typed[c.code] && !missing.includes(c));
      body = [h('p', {}, t('confirm_unanswered')),
        h('ul', { class: 'missing' }, [...missing, ...typedBad].map((c) => h('li', { dataset: { criterion: c.code } }, `${c.code} · ${pick(c.text_zh, c.text_en)}`)))];
      buttons = [h('button', {
        type: 'button', class: 'primary', id: 'confirm-back',
        onclick: () => { close(); const first = missing[0] || typedBad[0]; this.rows[first.code].row.scrollIntoView({ block: 'center' }); },
      }, t('confirm_back'))];
    } else {
      const { sum, max } = marks.total(criteria, this.record.marks);
      body = [h('p', {}, t('confirm_summary')),
        h('table', { class: 'summary' }, criteria.filter((c) => c.kind !== 'imported').map((c) => {
          const p = marks.points(c, this.record.marks[c.code]);
          const shown = p === null ? t('deduction_none') : (c.kind === 'deduction' ? `−${marks.show(p)}` : marks.show(p));
          return h('tr', {}, h('th', {}, `${c.code} · ${pick(c.text_zh, c.text_en)}`), h('td', {}, shown));
        }), h('tr', { class: 'sum' }, h('th', {}, t('total')), h('td', {}, `${marks.show(sum)} / ${marks.show(max)}`)))];
      buttons = [
        h('button', { type: 'button', class: 'secondary', id: 'confirm-back', onclick: close }, t('confirm_back')),
        h('button', { type: 'button', class: 'primary', id: 'confirm-submit', onclick: async () => { close(); await this.submit(); } }, t('confirm_submit')),
      ];
    }
    const dialog = h('div', { class: 'overlay', id: 'confirm' },
      h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'confirm-title' },
        h('h2', { id: 'confirm-title' }, t('confirm_title', { code: this.team })),
        body,
        h('div', { class: 'actions' }, buttons)));
    document.body.append(dialog);
    dialog.querySelector('.primary').focus();
  }

  async submit() {
    clearTimeout(draftTimer);
    // The sheet may never have been edited on this tablet (a server draft adopted as is).
    if (!this.stored) await store.putSheet(this.record);
    else await store.updateSheet(this.record.key, (r) => r);
    this.stored = true;
    this.record = await outbox.queue(this.record.key, 'submitted');
    this.refresh();
  }
}

// ---------------------------------------------------------------- wiring

outbox.events.addEventListener('change', async (event) => {
  refreshChrome();
  if (!screen) return;
  const key = event.detail && event.detail.key;
  if (screen.name === 'sheet' && screen.sheet && (!key || key === screen.sheet.record.key)) {
    await screen.sheet.reload();
  } else if (screen.name === 'teams' || screen.name === 'modules') {
    clearTimeout(screen.pending);
    screen.pending = setTimeout(() => render(), 300);
  }
});

window.addEventListener('hashchange', async () => {
  if (screen && screen.sheet) await screen.sheet.flushDraft();
  render();
});
window.addEventListener('online', () => outbox.noteOnline());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') outbox.kick();
  else if (screen && screen.sheet) screen.sheet.flushDraft();
});

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/judge/sw.js', { scope: '/judge' }).catch((error) => console.warn('service worker', error));
}

async function boot() {
  registerWorker();
  const token = new URLSearchParams(location.hash.slice(1)).get('t');
  if (token) {
    // The token leaves the address bar at once: not in history, not on a shared screen.
    history.replaceState(null, '', '/judge#/');
    await signIn(token, null);
    return;
  }
  session = (await store.kvGet('session')) || null;
  if (!session) { renderNoSession(); return; }
  await startSession();
}

boot();
