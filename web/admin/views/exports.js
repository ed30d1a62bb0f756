// Exports: the results as CSV (UTF-8 with BOM), XLSX and JSON, the printable result sheet and
// the award certificates, and the event feed. Every button is a real link to the file; a click
// downloads it here with a progress line (big contests make big files), the other buttons wait.
import { contestPath } from '../api.js';
import { h, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { notice, section } from '../ui.js';
import { toolbar } from './common.js';

const FILES = [
  { key: 'csv', rest: '/results.csv', name: 'results.csv' },
  { key: 'xlsx', rest: '/results.xlsx', name: 'results.xlsx' },
  { key: 'json', rest: '/results.json', name: 'results.json' },
];
const PAGES = [
  { key: 'print', rest: '/results/print' },
  { key: 'certificates', rest: '/results/certificates' },
];
const FEED = { key: 'feed', rest: '/event-feed', name: 'event-feed.json' };

export async function render(ctx) {
  const base = (rest) => `/api/v1${contestPath(ctx.slug, rest)}`;
  const names = h('input', { type: 'checkbox', id: 'export-names' });
  const status = h('div', { class: 'export-status', role: 'status', id: 'export-status' });
  const links = [];
  const withNames = (url) => (names.checked ? `${url}?names=true` : url);
  const setHrefs = () => {
    for (const { a, url } of links) a.href = withNames(url);
  };
  names.addEventListener('change', setHrefs);

  const download = (spec) => {
    const url = base(spec.rest);
    const a = h('a', { class: 'button primary export', href: url, dataset: { export: spec.key }, download: `${ctx.slug}-${spec.name}` }, t(`exports.${spec.key}`));
    links.push({ a, url });
    a.addEventListener('click', (e) => {
      e.preventDefault();
      if (a.getAttribute('aria-disabled') === 'true') return;
      fetchWithProgress(a.href, a.getAttribute('download'), links.map((x) => x.a), a, status);
    });
    return a;
  };
  const page = (spec) => {
    const url = base(spec.rest);
    const a = h('a', { class: 'button export', href: url, target: '_blank', rel: 'noopener', dataset: { export: spec.key } }, t(`exports.${spec.key}`));
    links.push({ a, url });
    return a;
  };
  const state = ctx.contest.state;
  return h(
    'div',
    { class: 'stack' },
    section(
      t('exports.results'),
      h('p', { class: 'muted' }, t('exports.intro')),
      state === 'published' || state === 'locked' ? null : h('p', { class: 'warn-text' }, t('exports.provisional')),
      h('label', { class: 'check names-toggle' }, names, t('exports.names')),
      h('p', { class: 'hint' }, t('exports.names_hint')),
      toolbar(FILES.map(download)),
      status,
    ),
    section(t('exports.printable'), h('p', { class: 'muted' }, t('exports.printable_intro')), toolbar(PAGES.map(page))),
    section(t('exports.feed_title'), h('p', { class: 'muted' }, t('exports.feed_intro')), toolbar(download(FEED))),
  );
}

const kb = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

/** Downloads `url` with the session cookie, showing bytes as they arrive, then saves it. */
async function fetchWithProgress(url, fallbackName, all, button, status) {
  for (const a of all) {
    a.setAttribute('aria-disabled', 'true');
    a.classList.add('disabled');
  }
  button.classList.add('busy');
  const bar = h('progress', { max: 1 });
  const label = h('span', { class: 'muted' }, t('exports.preparing'));
  replace(status, h('div', { class: 'progress' }, bar, label));
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) {
      let body = {};
      try {
        body = await response.json();
      } catch {
        // Not problem+json: the status says enough.
      }
      throw { code: body.code || `http.${response.status}`, message: body.detail || body.title || `HTTP ${response.status}` };
    }
    const total = Number(response.headers.get('content-length')) || 0;
    const chunks = [];
    let got = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      if (total) bar.value = got / total;
      label.textContent = t('exports.received', { size: kb(got) });
    }
    const blob = new Blob(chunks, { type: response.headers.get('content-type') || 'application/octet-stream' });
    const name = fileName(response.headers.get('content-disposition')) || fallbackName;
    const href = URL.createObjectURL(blob);
    const save = h('a', { href, download: name, hidden: true });
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    replace(status, h('p', { class: 'ok-text', dataset: { file: name } }, t('exports.saved', { file: name, size: kb(blob.size) })));
  } catch (problem) {
    const text = errorText(problem.code, problem.message);
    replace(status, h('p', { class: 'error-text' }, t('exports.failed', { why: text })));
    notice(text, 'error');
  } finally {
    button.classList.remove('busy');
    for (const a of all) {
      a.removeAttribute('aria-disabled');
      a.classList.remove('disabled');
    }
  }
}

/** The file name of a Content-Disposition header (RFC 6266: filename* first). */
function fileName(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain ? plain[1].trim() : null;
}
