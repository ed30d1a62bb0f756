// The outbox: sends every sheet that waits in IndexedDB, one at a time, with exponential
// backoff while the server cannot be reached. The server is idempotent on the sheet's client
// UUID and version, so sending the same write twice stores it once.

import { call, ApiError, NetworkError } from './api.js';
import * as store from './store.js';

export const events = new EventTarget();

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;

let session = null;
let timer = null;
let running = false;
let again = false;
let failures = 0;
let nextTryAt = 0;

/// What the screen shows in its status bar.
export const status = {
  connection: 'unknown', // 'online' | 'offline' | 'unknown'
  waiting: 0, // sheets waiting to send
  paused: null, // the code that stopped sending: the session is no longer valid
};

function changed(key) {
  events.dispatchEvent(new CustomEvent('change', { detail: { key } }));
}

export function start(newSession) {
  session = newSession;
  status.paused = null;
  kick();
}

export function noteOnline() {
  const wasOffline = status.connection !== 'online';
  status.connection = 'online';
  failures = 0;
  nextTryAt = 0;
  if (wasOffline) {
    changed(null);
    kick();
  }
}

function noteOffline() {
  failures += 1;
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (failures - 1));
  nextTryAt = Date.now() + delay * (0.8 + Math.random() * 0.4);
  if (status.connection !== 'offline') {
    status.connection = 'offline';
    changed(null);
  }
}

export function nextTryIn() {
  return Math.max(0, nextTryAt - Date.now());
}

/// The body the server gets: the sheet's answers and whether it is submitted.
function bodyOf(record, sheetStatus) {
  const body = { module: record.module, team: record.team, marks: record.marks, status: sheetStatus };
  if (record.comment && record.comment.trim()) body.comment = record.comment;
  return body;
}

/// Puts the sheet's current content in line to be sent. While an earlier write still waits
/// for an answer, the new content takes its place under the same version.
export async function queue(key, sheetStatus) {
  const record = await store.updateSheet(key, (r) => {
    if (!r) return undefined;
    const body = bodyOf(r, sheetStatus);
    r.status = sheetStatus;
    r.outgoing = r.outgoing
      ? { ...r.outgoing, body }
      : { version: (r.confirmed ? r.confirmed.version : 0) + 1, body };
    r.dirty = false;
    r.problem = null;
    return r;
  });
  changed(key);
  nextTryAt = 0;
  kick();
  return record;
}

/// Sends again a sheet the server refused for a reason that may have passed (a locked module
/// reopened, scoring opened).
export async function retry(key) {
  await store.updateSheet(key, (r) => {
    if (!r) return undefined;
    r.problem = null;
    return r;
  });
  changed(key);
  nextTryAt = 0;
  kick();
}

export function kick() {
  if (timer) clearTimeout(timer);
  timer = null;
  if (running) {
    again = true;
    return;
  }
  drain();
}

async function drain() {
  running = true;
  try {
    do {
      again = false;
      await sendDue();
    } while (again);
  } catch (error) {
    console.error('outbox', error);
  } finally {
    running = false;
  }
  if (status.waiting > 0 && !status.paused && session) {
    timer = setTimeout(kick, Math.max(250, nextTryAt - Date.now()));
  }
}

async function sendDue() {
  if (!session) return;
  const records = await store.sheetsOf(session.judge_id);
  const waiting = records.filter((r) => r.outgoing && !r.problem);
  setWaiting(waiting.length);
  if (status.paused || Date.now() < nextTryAt) return;
  for (const record of waiting) {
    const outcome = await sendOne(record.key);
    if (outcome === 'offline' || outcome === 'paused') break;
  }
  const after = await store.sheetsOf(session.judge_id);
  setWaiting(after.filter((r) => r.outgoing && !r.problem).length);
}

function setWaiting(count) {
  if (status.waiting !== count) {
    status.waiting = count;
    changed(null);
  }
}

function confirmedFrom(view) {
  return { version: view.version, status: view.status, at: new Date().toISOString() };
}

async function sendOne(key) {
  const record = await store.getSheet(key);
  if (!record || !record.outgoing || record.problem) return 'skip';
  const sent = record.outgoing;
  const sentBody = JSON.stringify(sent.body);
  let reply;
  try {
    reply = await call('PUT', `/api/v1/judge/sheets/${record.client_id}`, {
      body: { ...sent.body, version: sent.version },
      session: session.secret,
    });
  } catch (error) {
    return failed(key, record, sent, error);
  }
  noteOnline();
  await store.updateSheet(key, (r) => {
    if (!r) return undefined;
    r.confirmed = confirmedFrom(reply.data);
    const unchanged = r.outgoing && JSON.stringify(r.outgoing.body) === sentBody;
    // Changed while this write was on its way: the new content goes as the next version.
    r.outgoing = unchanged || !r.outgoing ? null : { ...r.outgoing, version: reply.data.version + 1 };
    return r;
  });
  changed(key);
  return 'sent';
}

async function failed(key, record, sent, error) {
  if (error instanceof NetworkError || (error instanceof ApiError && error.status === 429)) {
    noteOffline();
    return 'offline';
  }
  noteOnline();
  if (error.code === 'judge.session_invalid' || error.code === 'judge.sign_in_required') {
    status.paused = error.code;
    changed(null);
    return 'paused';
  }
  if (error.code === 'sheet.stale_version') {
    // Perhaps the server stored an earlier write of this version and its answer was lost:
    // then the server's copy is ours, and the new content goes as the next version.
    try {
      const server = await call('GET', `/api/v1/judge/sheets/${record.client_id}`, {
        session: session.secret,
      });
      if (server.data.version === sent.version) {
        await store.updateSheet(key, (r) => {
          r.confirmed = confirmedFrom(server.data);
          if (r.outgoing) r.outgoing = { ...r.outgoing, version: server.data.version + 1 };
          return r;
        });
        again = true;
        return 'retry';
      }
    } catch (lookup) {
      if (lookup instanceof NetworkError) {
        noteOffline();
        return 'offline';
      }
    }
  }
  await store.updateSheet(key, (r) => {
    if (!r) return undefined;
    r.problem = {
      code: error.code,
      status: error.status,
      detail: error.message,
      fields: (error.problem.errors || []).map((e) => ({ field: e.field, code: e.code })),
    };
    return r;
  });
  changed(key);
  return 'refused';
}

/// Replaces the tablet's copy with the server's sheet `clientId` (after a conflict, or when the
/// chief judge reopened it): its id, version, status and marks.
export async function adopt(key, clientId, template) {
  const server = await call('GET', `/api/v1/judge/sheets/${clientId}`, { session: session.secret });
  noteOnline();
  const view = server.data;
  const marks = {};
  for (const [code, mark] of Object.entries(view.marks || {})) {
    marks[code] = mark.level !== undefined && mark.level !== null ? { level: mark.level } : { value: mark.value };
  }
  const record = await store.updateSheet(key, (r) => {
    return {
      ...(r || template),
      client_id: view.client_id,
      marks,
      comment: view.comment || '',
      status: view.status,
      confirmed: confirmedFrom(view),
      outgoing: null,
      problem: null,
      dirty: false,
    };
  });
  changed(key);
  return record;
}

/// What the team list and the sheet say about a sheet.
export function stateOf(record, summary, locked) {
  if (record && record.problem) return 'problem';
  if (record && record.outgoing) return 'waiting';
  if (record && record.dirty) return 'local';
  if (locked) return 'locked';
  const sheetStatus = (record && record.confirmed && record.confirmed.status) || (summary && summary.status);
  if (sheetStatus === 'submitted') return 'sent';
  if (sheetStatus === 'draft') return 'draft';
  return 'not_started';
}
