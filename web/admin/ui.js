// Shared pieces of the console: error display, confirmations, busy buttons, notices.
import { h, clear, replace } from './dom.js';
import { t, errorText } from './i18n.js';

/**
 * Shows a Problem: each `errors[]` entry beside the field named `data-field` inside `scope`
 * when there is one, the rest (and the problem itself) in the scope's `.form-errors` box.
 */
export function showProblem(scope, problem) {
  clearProblems(scope);
  const box = scope.querySelector('.form-errors') || scope.appendChild(h('div', { class: 'form-errors' }));
  const loose = [];
  for (const err of problem.errors || []) {
    const slot = findField(scope, err.field);
    if (slot) {
      slot.classList.add('invalid');
      slot.querySelector('.field-error').textContent = errorText(err.code, err.message);
    } else loose.push(err);
  }
  const items = loose.map((err) =>
    h('li', null, err.field ? h('code', null, err.field) : null, err.field ? ' ' : null, errorText(err.code, err.message)),
  );
  replace(
    box,
    h('p', { class: 'problem-title' }, errorText(problem.code, problem.message)),
    items.length ? h('ul', null, items) : null,
  );
  box.hidden = false;
}

function findField(scope, name) {
  if (!name) return null;
  for (const el of scope.querySelectorAll('[data-field]')) {
    if (el.dataset.field === name) return el;
  }
  return null;
}

export function clearProblems(scope) {
  for (const el of scope.querySelectorAll('.invalid')) el.classList.remove('invalid');
  for (const el of scope.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of scope.querySelectorAll('.form-errors')) {
    clear(el);
    el.hidden = true;
  }
}

/** Disables the button and shows a spinner while `work` runs; returns its result. */
export async function busy(button, work, label) {
  const old = button.textContent;
  button.disabled = true;
  button.classList.add('busy');
  if (label) button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.classList.remove('busy');
    button.textContent = old;
  }
}

/**
 * Asks before a destructive step. With `reason`, a reason must be typed; resolves to
 * the reason (or true), or null when cancelled.
 */
export function confirmAction({ title, message, confirm, reason = false, danger = true }) {
  return new Promise((resolve) => {
    const reasonInput = reason ? h('textarea', { rows: 3, required: true, maxlength: 500 }) : null;
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', id: 'confirm-ok' }, confirm || t('common.confirm'));
    const cancel = h('button', { type: 'button', class: 'ghost' }, t('common.cancel'));
    const form = h(
      'form',
      { method: 'dialog', class: 'dialog-body' },
      h('h2', null, title),
      message ? h('p', null, message) : null,
      reasonInput ? h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('common.reason')), reasonInput) : null,
      h('div', { class: 'actions' }, cancel, ok),
    );
    const dialog = h('dialog', { class: 'confirm' }, form);
    let answer = null;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (reasonInput && !reasonInput.value.trim()) {
        reasonInput.focus();
        return;
      }
      answer = reasonInput ? reasonInput.value.trim() : true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    (reasonInput || ok).focus();
  });
}

let noticeTimer;
/** A short message at the bottom of the screen. */
export function notice(text, kind = 'ok') {
  let el = document.getElementById('notice');
  if (!el) el = document.body.appendChild(h('div', { id: 'notice', role: 'status' }));
  el.className = `notice ${kind}`;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (el.hidden = true), 4000);
}

/** Runs an action and reports a failure as a notice; used for one-click actions in tables. */
export async function attempt(work, okText) {
  try {
    const result = await work();
    if (okText) notice(okText);
    return result;
  } catch (problem) {
    notice(errorText(problem.code, problem.message), 'error');
    return undefined;
  }
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, children);
}

export function loading() {
  return h('p', { class: 'loading' }, t('common.loading'));
}

export function failed(problem) {
  return h('div', { class: 'form-errors' }, h('p', { class: 'problem-title' }, errorText(problem.code, problem.message)));
}

/** Every row-level error of an import (line, column, code, message), sorted by line. */
export function errorRows(problem) {
  const rows = [...(problem.errors || [])].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const wrap = h('div', { class: 'import-errors' });
  wrap.appendChild(h('p', { class: 'problem-title' }, errorText(problem.code, problem.message), rows.length ? ` (${rows.length === 1 ? t('import.one_problem') : t('import.n_problems', { n: rows.length })})` : ''));
  if (!rows.length) return wrap;
  const tbl = h('table', { class: 'data compact' });
  tbl.appendChild(h('thead', null, h('tr', null, [t('import.line'), t('import.column'), t('import.problem')].map((x) => h('th', null, x)))));
  const body = h('tbody');
  for (const err of rows) {
    body.appendChild(
      h('tr', null, h('td', { class: 'num' }, err.line ?? '—'), h('td', null, h('code', null, err.field || '—')), h('td', null, errorText(err.code, err.message), h('span', { class: 'muted code-tag' }, ` ${err.code}`))),
    );
  }
  tbl.appendChild(body);
  wrap.appendChild(h('div', { class: 'table-wrap' }, tbl));
  return wrap;
}

/** A progress bar for an upload; `set(fraction)` while sending, `done()` while the server works. */
export function progressBar() {
  const bar = h('progress', { max: 1, value: 0 });
  const label = h('span', { class: 'muted' });
  const el = h('div', { class: 'progress', hidden: true }, bar, label);
  return {
    el,
    set(fraction) {
      el.hidden = false;
      bar.value = fraction;
      label.textContent = t('import.uploading', { pct: Math.round(fraction * 100) });
    },
    working() {
      el.hidden = false;
      bar.removeAttribute('value');
      label.textContent = t('import.checking');
    },
    hide() {
      el.hidden = true;
    },
  };
}
