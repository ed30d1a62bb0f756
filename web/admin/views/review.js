// Scoring progress and review: who has not submitted what, discrepancy flags, and module
// sign-off (lock/unlock). The progress socket says when something changed; the screen then
// re-reads the module reviews. Without the socket it polls every 15 s (live.js).
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
  let busyNow = false;
  let again = false;

  const refresh = async () => {
    // A dialog open (a reason being typed) must not be redrawn away; one read at a time, and
    // a change that arrives during a read triggers one more.
    if (document.querySelector('dialog[open]')) return;
    if (busyNow) {
      again = true;
      return;
    }
    busyNow = true;
    try {
      const reviews = await Promise.all(modules.map((m) => api('GET', contestPath(ctx.slug, `/modules/${encodeURIComponent(m.code)}/review`)).catch(() => null)));
      replace(summaryBox, summary(modules, reviews, code, (c) => {
        code = c;
        selected.set(ctx.slug, c);
        refresh();
      }));
      replace(judgesBox, judgeMatrix(modules, reviews));
      const i = modules.findIndex((m) => m.code === code);
      if (reviews[i]) replace(detailBox, detail(ctx, modules[i], reviews[i], refresh));
      stamp.textContent = t('review.updated', { time: new Date().toLocaleTimeString() });
    } finally {
      busyNow = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  await refresh();
  let pending = null;
  const stop = watchProgress(ctx.slug, {
    // Bursts of sheets arrive as bursts of updates: one re-read per half second at most.
    onBoard: () => {
      if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 500);
    },
    onStatus: (s) => {
      live.className = `live-status ${s}`;
      live.textContent = t(`live.${s}`);
    },
    poll: refresh,
  });
  ctx.onCleanup(() => {
    stop();
    clearTimeout(pending);
  });
  const now = h('button', { class: 'small ghost' }, t('review.refresh'));
  now.addEventListener('click', () => busy(now, refresh));
  return h(
    'div',
    { class: 'stack' },
    section(t('review.progress'), toolbar(live, h('span', { class: 'grow' }), stamp, now), summaryBox),
    section(t('review.by_judge'), h('p', { class: 'muted' }, t('review.by_judge_intro')), judgesBox),
    detailBox,
  );
}

/** Judge × module: sheets submitted of the teams to mark, and which team codes are still open. */
function judgeMatrix(modules, reviews) {
  const judges = [];
  modules.forEach((m, i) => {
    const r = reviews[i];
    if (!r) return;
    for (const team of r.teams) {
      for (const s of team.sheets) {
        let j = judges.find((x) => x.id === s.judge_id);
        if (!j) judges.push((j = { id: s.judge_id, name: s.judge_name, cells: new Map() }));
        const cell = j.cells.get(m.code) || { submitted: 0, drafts: [], missing: [], total: 0 };
        cell.total += 1;
        if (s.status === 'submitted') cell.submitted += 1;
        else if (s.status === 'draft') cell.drafts.push(team.team);
        else cell.missing.push(team.team);
        j.cells.set(m.code, cell);
      }
    }
  });
  if (!judges.length) return h('p', { class: 'muted' }, t('review.no_panels'));
  judges.sort((a, b) => a.name.localeCompare(b.name));
  const cellOf = (j, m) => {
    const c = j.cells.get(m.code);
    if (!c) return h('td', { class: 'center muted' }, '—');
    const done = c.submitted === c.total;
    const open = [...c.missing, ...c.drafts];
    return h(
      'td',
      { class: `judge-cell ${done ? 'done' : 'todo'}`, dataset: { judge: j.name, module: m.code } },
      h('strong', null, `${c.submitted} / ${c.total}`),
      c.drafts.length ? h('span', { class: 'small warn-text' }, ` · ${t('review.n_drafts', { n: c.drafts.length })}`) : null,
      open.length ? h('div', { class: 'small open-codes' }, t('review.open_codes'), ' ', open.slice(0, 12).map((x) => h('code', null, x)), open.length > 12 ? ` +${open.length - 12}` : '') : null,
    );
  };
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data judge-matrix' },
      h('thead', null, h('tr', null, h('th', null, t('judges.name')), modules.map((m) => h('th', { title: localized(m.title_zh, m.title_en) }, m.code)))),
      h('tbody', null, judges.map((j) => h('tr', null, h('td', null, h('strong', null, j.name)), modules.map((m) => cellOf(j, m))))),
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

function counts(review) {
  let submitted = 0;
  let total = 0;
  for (const team of review.teams) {
    for (const s of team.sheets) {
      total += 1;
      if (s.status === 'submitted') submitted += 1;
    }
  }
  return { submitted, total };
}

function summary(modules, reviews, current, choose) {
  const rows = modules.map((m, i) => {
    const r = reviews[i];
    if (!r) return h('tr', null, h('td', null, m.code), h('td', { colspan: 5, class: 'muted' }, t('review.unavailable')));
    const { submitted, total } = counts(r);
    const pct = total ? Math.round((submitted / total) * 100) : 0;
    const open = h('button', { class: `small ${m.code === current ? 'primary' : ''}` }, t('review.open'));
    open.addEventListener('click', () => choose(m.code));
    return h(
      'tr',
      { class: m.code === current ? 'selected' : null },
      h('td', null, h('span', { class: 'module-code' }, m.code), ` ${localized(m.title_zh, m.title_en)}`),
      h('td', null, meter(pct), h('span', { class: 'small muted' }, `${submitted} / ${total}`)),
      h('td', { class: 'num' }, r.drafts ? h('span', { class: 'warn-text' }, String(r.drafts)) : '0'),
      h('td', { class: 'num' }, r.missing ? String(r.missing) : '0'),
      h('td', { class: 'num' }, r.open_flags ? h('span', { class: 'badge flag' }, String(r.open_flags)) : '0'),
      h('td', null, h('span', { class: `badge module-${r.state}` }, t(`module.${r.state}`)), ' ', open),
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
