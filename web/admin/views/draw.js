// The draw: anonymous codes and stations for checked-in teams, and its printable lists.
import { api, contestPath } from '../api.js';
import { h, table } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, confirmAction, notice, section, showProblem } from '../ui.js';
import { printLink, toolbar } from './common.js';

export async function render(ctx) {
  const draw = await api('GET', contestPath(ctx.slug, '/draw'));
  const box = h('div', null, h('div', { class: 'form-errors', hidden: true }));
  const run = h('button', { class: 'primary', id: 'draw-run', disabled: draw.awaiting === 0 }, t('draw.run', { n: draw.awaiting }));
  run.addEventListener('click', async () => {
    const ok = await confirmAction({ title: t('draw.run', { n: draw.awaiting }), message: t('draw.run_q', { n: draw.awaiting }), confirm: t('draw.run_short'), danger: false });
    if (ok) await post(ctx, box, run, {});
  });
  const redraw = h('button', { class: 'ghost danger-text', disabled: draw.assignments.length === 0 || !['draft', 'registration'].includes(ctx.contest.state) }, t('draw.redraw'));
  redraw.addEventListener('click', async () => {
    const reason = await confirmAction({ title: t('draw.redraw'), message: t('draw.redraw_q'), reason: true, confirm: t('draw.redraw') });
    if (reason) await post(ctx, box, redraw, { redraw: true, reason });
  });
  const base = `/api/v1${contestPath(ctx.slug, '/draw')}`;
  box.prepend(
    h(
      'div',
      { class: 'draw-summary' },
      h('div', { class: 'big-stat' }, h('span', { class: 'big' }, String(draw.assignments.length)), h('span', null, t('draw.drawn'))),
      h('div', { class: `big-stat ${draw.awaiting ? 'warn' : ''}` }, h('span', { class: 'big' }, String(draw.awaiting)), h('span', null, t('draw.awaiting'))),
      h('p', { class: 'muted' }, t('draw.intro')),
    ),
    toolbar(run, redraw, h('span', { class: 'grow' }), printLink(`${base}/station-cards`, t('draw.station_cards')), printLink(`${base}/mapping`, t('draw.mapping'))),
  );
  const sorted = [...draw.assignments].sort((a, b) => a.station - b.station);
  return h(
    'div',
    { class: 'stack' },
    section(t('draw.title'), box),
    section(
      t('draw.assignments'),
      table(
        [
          { label: t('team.station'), cell: (a) => String(a.station), class: 'num narrow' },
          { label: t('team.code'), cell: (a) => h('code', { class: 'team-code' }, a.code), class: 'narrow' },
          { label: t('team.name'), cell: (a) => a.name },
          { label: t('team.school'), cell: (a) => a.school },
          { label: t('team.status'), cell: (a) => t(`team.status.${a.status}`) },
        ],
        sorted,
        { empty: t('draw.none'), rowClass: (a) => (a.status === 'withdrawn' ? 'struck' : null) },
      ),
    ),
  );
}

async function post(ctx, box, button, body) {
  clearProblems(box);
  try {
    const result = await busy(button, () => api('POST', contestPath(ctx.slug, '/draw'), { json: body }));
    notice(t('draw.done', { n: result.drawn.length }));
    await ctx.reload();
  } catch (problem) {
    showProblem(box, problem);
  }
}
