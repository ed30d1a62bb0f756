// Scoring progress and review: who has not submitted what, discrepancy flags, and module
// sign-off (lock/unlock). The progress socket pushes the per-module, per-judge progress, drawn
// as it arrives; the selected module's sheet grid is re-read when it moves. Without the socket
// the screen polls the module reviews every 15 s and builds the same progress from them.
import { api, contestPath } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { attempt, busy, confirmAction, section } from '../ui.js';
import { watchProgress } from '../live.js';
import { localized, modulesOf, toolbar } from './common.js';

const selected = new Map(); // slug → module code, kept while the page is open

export async function render(ctx) {
  const modules = await modulesOf(ctx.slug);
  if (!modules.length) return section(t('tab.review'), h('p', { class: 'muted' }, t('review.no_scheme')));
  const summaryBox = h('div');
  const judgesBox = h('div');
  const detailBox = h('div');
  const stamp = h('span', { class: 'muted small' });
  const live = h('span', { class: 'live-status connecting', id: 'live-status' }, t('live.connecting'));
  let code = selected.get(ctx.slug) || modules[0].code;
  let progress = null; // the progress board's modules, from the socket or built from reviews

  const choose = (c) => {
    code = c;
    selected.set(ctx.slug, c);
    drawProgress();
    refreshDetail();
  };
  const drawProgress = () => {
    if (!progress) return;
    replace(summaryBox, summary(modules, progress, code, choose));
    replace(judgesBox, judgeMatrix(modules, progress));
    stamp.textContent = t('review.updated', { time: new Date().toLocaleTimeString() });
  };
  // A dialog open (a reason being typed) must not be redrawn away.
  const quiet = () => !document.querySelector('dialog[open]');
  const refreshDetail = async () => {
    if (!quiet()) return;
    const module = modules.find((m) => m.code === code);
    try {
      const review = await api('GET', contestPath(ctx.slug, `/modules/${encodeURIComponent(code)}/review`));
      if (module.code === code) replace(detailBox, detail(ctx, module, review, refreshAll));
    } catch {
      // The summary still shows; the next change or poll tries again.
    }
  };
  // Without the socket: every module's review, from which the same progress is built.
  const refreshAll = async () => {
    if (!quiet()) return;
    const reviews = await Promise.all(modules.map((m) => api('GET', contestPath(ctx.slug, `/modules/${encodeURIComponent(m.code)}/review`)).catch(() => null)));
    progress = fromReviews(modules, reviews);
    drawProgress();
    const i = modules.findIndex((m) => m.code === code);
    if (reviews[i]) replace(detailBox, detail(ctx, modules[i], reviews[i], refreshAll));
  };
  await refreshAll();
  let pending = null;
  const stop = watchProgress(ctx.slug, {
    onBoard: (board) => {
      if (quiet()) {
        progress = board.modules;
        drawProgress();
      }
      // The module's sheet grid is not on the socket: re-read it, at most twice a second.
      if (!pending) pending = setTimeout(() => { pending = null; refreshDetail(); }, 500);
    },
    onStatus: (s) => {
      live.className = `live-status ${s}`;
      live.textContent = t(`live.${s}`);
    },
    poll: refreshAll,
  });
  ctx.onCleanup(() => {
    stop();
    clearTimeout(pending);
  });
  const now = h('button', { class: 'small ghost' }, t('review.refresh'));
  now.addEventListener('click', () => busy(now, refreshAll));
  return h(
    'div',
    { class: 'stack' },
    section(t('review.progress'), toolbar(live, h('span', { class: 'grow' }), stamp, now), summaryBox),
    section(t('review.by_judge'), h('p', { class: 'muted' }, t('review.by_judge_intro')), judgesBox),
    detailBox,
  );
}

/** The progress board's shape (docs/boards.md) built from the module reviews, for polling. */
function fromReviews(modules, reviews) {
  return modules.map((m, i) => {
    const r = reviews[i];
    if (!r) return { code: m.code, unavailable: true, judges: [] };
    const judges = [];
    for (const team of r.teams) {
      for (const s of team.sheets) {
        let j = judges.find((x) => x.judge_id === s.judge_id);
        if (!j) judges.push((j = { judge_id: s.judge_id, name: s.judge_name, submitted: 0, drafts: 0, outstanding: [] }));
        if (s.status === 'submitted') j.submitted += 1;
        else {
          if (s.status === 'draft') j.drafts += 1;
          j.outstanding.push(team.team);
        }
      }
    }
    const submitted = judges.reduce((n, j) => n + j.submitted, 0);
    const expected = judges.reduce((n, j) => n + j.submitted + j.outstanding.length, 0);
    return { code: m.code, locked: r.state === 'locked', submitted, expected, open_flags: r.open_flags, judges };
  });
}

/** Judge × module: sheets submitted of the teams to mark, and which team codes are still owed. */
function judgeMatrix(modules, progress) {
  const judges = new Map();
  for (const m of progress) {
    for (const j of m.judges || []) {
      if (!judges.has(j.judge_id)) judges.set(j.judge_id, { name: j.name, cells: new Map() });
      judges.get(j.judge_id).cells.set(m.code, j);
    }
  }
  if (!judges.size) return h('p', { class: 'muted' }, t('review.no_panels'));
  const rows = [...judges.values()].sort((a, b) => a.name.localeCompare(b.name));
  const cellOf = (j, m) => {
    const c = j.cells.get(m.code);
    if (!c) return h('td', { class: 'center muted' }, '—');
    const total = c.submitted + c.outstanding.length;
    const open = c.outstanding;
    return h(
      'td',
      { class: `judge-cell ${open.length ? 'todo' : 'done'}`, dataset: { judge: j.name, module: m.code } },
      h('strong', null, `${c.submitted} / ${total}`),
      c.drafts ? h('span', { class: 'small warn-text' }, ` · ${t('review.n_drafts', { n: c.drafts })}`) : null,
      open.length ? h('div', { class: 'small open-codes' }, t('review.open_codes'), ' ', open.slice(0, 12).map((x) => h('code', null, x)), open.length > 12 ? ` +${open.length - 12}` : '') : null,
    );
  };
  return h(
    'div',
    { class: 'table-wrap fit' },
    h(
      'table',
      { class: 'data judge-matrix' },
      h('thead', null, h('tr', null, h('th', null, t('judges.name')), modules.map((m) => h('th', { title: localized(m.title_zh, m.title_en) }, m.code)))),
      h('tbody', null, rows.map((j) => h('tr', null, h('td', null, h('strong', null, j.name)), modules.map((m) => cellOf(j, m))))),
    ),
  );
}

/** A bar filled to `pct` %: the width is set through the style object, which a CSP without
 *  'unsafe-inline' allows, unlike a style attribute. */
function meter(pct) {
  const fill = h('div', { class: 'meter-fill' });
  fill.style.width = `${pct}%`;
  return h('div', { class: 'meter' }, fill);
}

function summary(modules, progress, current, choose) {
  const rows = modules.map((m) => {
    const p = progress.find((x) => x.code === m.code);
    if (!p || p.unavailable) return h('tr', null, h('td', null, m.code), h('td', { colspan: 5, class: 'muted' }, t('review.unavailable')));
    const drafts = p.judges.reduce((n, j) => n + j.drafts, 0);
    const missing = Math.max(0, p.expected - p.submitted - drafts);
    const pct = p.expected ? Math.round((p.submitted / p.expected) * 100) : 0;
    const state = p.locked ? 'locked' : 'open';
    const open = h('button', { class: `small ${m.code === current ? 'primary' : ''}` }, t('review.open'));
    open.addEventListener('click', () => choose(m.code));
    return h(
      'tr',
      { class: m.code === current ? 'selected' : null, dataset: { module: m.code } },
      h('td', null, h('span', { class: 'module-code' }, m.code), ` ${localized(m.title_zh, m.title_en)}`),
      h('td', null, meter(pct), h('span', { class: 'small muted submitted-count' }, `${p.submitted} / ${p.expected}`)),
      h('td', { class: 'num' }, drafts ? h('span', { class: 'warn-text' }, String(drafts)) : '0'),
      h('td', { class: 'num' }, String(missing)),
      h('td', { class: 'num' }, p.open_flags ? h('span', { class: 'badge flag' }, String(p.open_flags)) : '0'),
      h('td', null, h('span', { class: `badge module-${state}` }, t(`module.${state}`)), ' ', open),
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data' },
      h('thead', null, h('tr', null, [t('review.module'), t('review.submitted'), t('review.drafts'), t('review.missing'), t('review.flags'), t('review.state')].map((x) => h('th', null, x)))),
      h('tbody', null, rows),
    ),
  );
}

function detail(ctx, module, review, refresh) {
  const base = contestPath(ctx.slug, `/modules/${encodeURIComponent(module.code)}`);
  const judges = [];
  for (const team of review.teams) for (const s of team.sheets) if (!judges.some((j) => j.id === s.judge_id)) judges.push({ id: s.judge_id, name: s.judge_name });
  const lockButton = review.state === 'locked' ? h('button', { class: 'ghost' }, t('review.unlock')) : h('button', { class: 'primary' }, t('review.lock'));
  const ready = review.missing === 0 && review.drafts === 0 && review.open_flags === 0;
  if (review.state !== 'locked' && !ready) {
    lockButton.disabled = true;
    lockButton.title = t('review.not_ready');
  }
  lockButton.addEventListener('click', async () => {
    if (review.state === 'locked') {
      const reason = await confirmAction({ title: t('review.unlock'), message: t('review.unlock_q', { code: module.code }), reason: true, confirm: t('review.unlock') });
      if (reason && (await attempt(() => busy(lockButton, () => api('POST', `${base}/unlock`, { json: { reason } })), t('review.unlocked'))) !== undefined) refresh();
    } else {
      const ok = await confirmAction({ title: t('review.lock'), message: t('review.lock_q', { code: module.code }), confirm: t('review.lock') });
      if (ok && (await attempt(() => busy(lockButton, () => api('POST', `${base}/lock`)), t('review.locked'))) !== undefined) refresh();
    }
  });

  const resolve = (team, flag, resolution, button) => async () => {
    const reason = await confirmAction({
      title: t(`review.${resolution}`),
      message: t(`review.${resolution}_q`, { team: team.team, criterion: flag.criterion }),
      reason: true,
      confirm: t(`review.${resolution}`),
      danger: resolution === 'remark',
    });
    if (!reason) return;
    const body = { team: team.team, criterion: flag.criterion, resolution, reason };
    if ((await attempt(() => busy(button, () => api('POST', `${base}/resolutions`, { json: body })), t('review.resolved'))) !== undefined) refresh();
  };

  const head = h('tr', null, h('th', { class: 'narrow' }, t('team.station')), h('th', { class: 'narrow' }, t('team.code')), judges.map((j) => h('th', { class: 'center' }, j.name)), h('th', null, t('review.flags')));
  const rows = review.teams.map((team) => {
    const flags = team.flags.map((flag) => {
      const accept = h('button', { class: 'small' }, t('review.accepted'));
      const remark = h('button', { class: 'small ghost danger-text' }, t('review.remark'));
      accept.addEventListener('click', resolve(team, flag, 'accepted', accept));
      remark.addEventListener('click', resolve(team, flag, 'remark', remark));
      const levels = flag.levels.map((l) => `${l.judge_name} ${l.level}`).join(' · ');
      return h(
        'div',
        { class: `flag-row ${flag.resolved ? 'resolved' : ''}` },
        h('span', { class: `badge ${flag.resolved ? 'ok' : 'flag'}` }, flag.criterion),
        h('span', { class: 'small' }, t('review.spread', { spread: flag.spread, threshold: flag.threshold }), ' — ', levels),
        flag.resolved || review.state === 'locked' ? h('span', { class: 'small muted' }, flag.resolved ? t('review.flag_resolved') : '') : h('span', { class: 'row-actions' }, accept, remark),
      );
    });
    return h(
      'tr',
      null,
      h('td', { class: 'num' }, team.station != null ? String(team.station) : '—'),
      h('td', null, h('code', { class: 'team-code' }, team.team)),
      judges.map((j) => {
        const s = team.sheets.find((x) => x.judge_id === j.id);
        const status = s ? s.status : 'none';
        return h('td', { class: `center sheet-${status}`, title: s && s.version ? `v${s.version}` : null }, t(`sheet.${status}`));
      }),
      h('td', null, flags.length ? flags : h('span', { class: 'muted' }, '—')),
    );
  });
  return section(
    `${module.code} · ${localized(module.title_zh, module.title_en)}`,
    toolbar(
      h('span', { class: `badge module-${review.state}` }, t(`module.${review.state}`)),
      h('span', { class: 'muted' }, review.state === 'locked' ? t('review.locked_note') : ready ? t('review.ready') : t('review.not_ready')),
      h('span', { class: 'grow' }),
      lockButton,
    ),
    review.teams.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data review' }, h('thead', null, head), h('tbody', null, rows)))
      : h('p', { class: 'muted' }, t('review.no_teams')),
  );
}
