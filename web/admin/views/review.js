// Scoring progress and review: who has not submitted what, discrepancy flags, and module
// sign-off (lock/unlock). Refreshes itself every 15 s while the tab is open.
import { api, contestPath } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { attempt, busy, confirmAction, section } from '../ui.js';
import { localized, modulesOf, toolbar } from './common.js';

const REFRESH_MS = 15000;
const selected = new Map(); // slug → module code, kept while the page is open

export async function render(ctx) {
  const modules = await modulesOf(ctx.slug);
  if (!modules.length) return section(t('tab.review'), h('p', { class: 'muted' }, t('review.no_scheme')));
  const summaryBox = h('div');
  const detailBox = h('div');
  const stamp = h('span', { class: 'muted small' });
  let code = selected.get(ctx.slug) || modules[0].code;
  let busyNow = false;

  const refresh = async () => {
    if (busyNow || document.querySelector('dialog[open]')) return;
    busyNow = true;
    try {
      const reviews = await Promise.all(modules.map((m) => api('GET', contestPath(ctx.slug, `/modules/${encodeURIComponent(m.code)}/review`)).catch(() => null)));
      replace(summaryBox, summary(modules, reviews, code, (c) => {
        code = c;
        selected.set(ctx.slug, c);
        refresh();
      }));
      const i = modules.findIndex((m) => m.code === code);
      if (reviews[i]) replace(detailBox, detail(ctx, modules[i], reviews[i], refresh));
      stamp.textContent = t('review.updated', { time: new Date().toLocaleTimeString() });
    } finally {
      busyNow = false;
    }
  };
  await refresh();
  const timer = setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_MS);
  ctx.onCleanup(() => clearInterval(timer));
  const now = h('button', { class: 'small ghost' }, t('review.refresh'));
  now.addEventListener('click', () => busy(now, refresh));
  return h('div', { class: 'stack' }, section(t('review.progress'), toolbar(h('span', { class: 'muted' }, t('review.auto')), h('span', { class: 'grow' }), stamp, now), summaryBox), detailBox);
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
      h('td', null, h('div', { class: 'meter' }, h('div', { class: 'meter-fill', style: `width:${pct}%` })), h('span', { class: 'small muted' }, `${submitted} / ${total}`)),
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
