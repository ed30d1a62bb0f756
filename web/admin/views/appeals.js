// Appeals: file one for a team (by its code), decide it (upheld or rejected, with a reason).
import { api, contestPath } from '../api.js';
import { h, field, table, when } from '../dom.js';
import { t } from '../i18n.js';
import { attempt, busy, clearProblems, confirmAction, section, showProblem } from '../ui.js';
import { modulesOf } from './common.js';

export async function render(ctx) {
  const [appeals, modules] = await Promise.all([api('GET', contestPath(ctx.slug, '/appeals')), modulesOf(ctx.slug)]);
  return h('div', { class: 'stack' }, listCard(ctx, appeals), fileCard(ctx, modules));
}

function listCard(ctx, appeals) {
  const decide = (a) => {
    if (a.status !== 'open') return h('span', { class: 'small' }, a.decision || '');
    const upheld = h('button', { class: 'small primary' }, t('appeals.uphold'));
    const rejected = h('button', { class: 'small ghost' }, t('appeals.reject'));
    const go = (decision, button) => async () => {
      const reason = await confirmAction({ title: t(`appeals.${decision}_title`), message: t('appeals.decide_q', { team: a.team }), reason: true, confirm: t(`appeals.${decision === 'upheld' ? 'uphold' : 'reject'}`), danger: false });
      if (!reason) return;
      let reopen = false;
      if (decision === 'upheld' && a.module) {
        reopen = !!(await confirmAction({ title: t('appeals.reopen_title'), message: t('appeals.reopen_q', { module: a.module }), confirm: t('appeals.reopen_yes') }));
      }
      const body = { decision, reason, reopen_sheets: reopen };
      if ((await attempt(() => busy(button, () => api('POST', contestPath(ctx.slug, `/appeals/${encodeURIComponent(a.id)}/decision`), { json: body })), t('appeals.decided'))) !== undefined) ctx.reload();
    };
    upheld.addEventListener('click', go('upheld', upheld));
    rejected.addEventListener('click', go('rejected', rejected));
    return h('span', { class: 'row-actions' }, upheld, rejected);
  };
  return section(
    t('appeals.list'),
    table(
      [
        { label: t('appeals.filed_at'), cell: (a) => when(a.filed_at), class: 'narrow' },
        { label: t('team.code'), cell: (a) => h('code', { class: 'team-code' }, a.team), class: 'narrow' },
        { label: t('review.module'), cell: (a) => a.module || '—', class: 'narrow' },
        { label: t('appeals.text'), cell: (a) => h('span', { class: 'prewrap' }, a.text) },
        { label: t('team.status'), cell: (a) => h('span', { class: `badge appeal-${a.status}` }, t(`appeals.status.${a.status}`)), class: 'narrow' },
        { label: t('appeals.decision'), cell: decide },
      ],
      appeals,
      { empty: t('appeals.none') },
    ),
  );
}

function fileCard(ctx, modules) {
  const form = h(
    'form',
    { class: 'grid-form' },
    field(t('team.code'), h('input', { name: 'team', required: true, maxlength: 8, placeholder: 'K7QM', class: 'upper' })),
    field(t('review.module'), h('select', { name: 'module' }, h('option', { value: '' }, t('appeals.whole_contest')), modules.map((m) => h('option', { value: m.code }, m.code)))),
    field(t('appeals.text'), h('textarea', { name: 'text', required: true, rows: 3, maxlength: 4000 }), { name: 'text' }),
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'actions full' }, h('button', { type: 'submit', class: 'primary' }, t('appeals.file'))),
  );
  form.querySelector('[data-field=text]').classList.add('full');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const d = new FormData(form);
    const body = { team: String(d.get('team')).trim().toUpperCase(), module: d.get('module') || null, text: d.get('text') };
    try {
      await busy(form.querySelector('button[type=submit]'), () => api('POST', contestPath(ctx.slug, '/appeals'), { json: body }));
      await ctx.reload();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return section(t('appeals.new'), form);
}
