// Judges: create them, print their cards (link + QR, shown only when issued), re-issue or revoke
// links, and set each module's panel.
import { api, contestPath } from '../api.js';
import { h, field, table } from '../dom.js';
import { t } from '../i18n.js';
import { attempt, busy, clearProblems, confirmAction, notice, section, showProblem } from '../ui.js';
import { forget, issuedCards, openCards, remember } from '../cards.js';
import { localized, modulesOf, toolbar } from './common.js';

export async function render(ctx) {
  const [judges, modules] = await Promise.all([api('GET', contestPath(ctx.slug, '/judges')), modulesOf(ctx.slug)]);
  const title = localized(ctx.contest.title_zh, ctx.contest.title_en);
  const showCards = (list) => openCards(list, title);
  return h('div', { class: 'stack' }, createCard(ctx, modules, showCards), listCard(ctx, judges, showCards), panelCard(ctx, judges, modules));
}

function createCard(ctx, modules, showCards) {
  const moduleBoxes = modules.map((m) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: m.code }), `${m.code} ${localized(m.title_zh, m.title_en)}`));
  const form = h(
    'form',
    { class: 'grid-form' },
    field(t('judges.name'), h('input', { name: 'name', required: true, maxlength: 50 })),
    field(t('judges.organization'), h('input', { name: 'organization', maxlength: 100 })),
    field(t('judges.pin'), h('input', { name: 'pin', inputmode: 'numeric', pattern: '[0-9]{4,8}', maxlength: 8, autocomplete: 'off' }), { hint: t('judges.pin_hint') }),
    h('label', { class: 'field checkbox', dataset: { field: 'is_chief' } }, h('input', { type: 'checkbox', name: 'is_chief' }), h('span', null, t('judges.is_chief')), h('span', { class: 'field-error' })),
    h(
      'div',
      { class: 'field full', dataset: { field: 'modules' } },
      h('span', { class: 'field-label' }, t('judges.modules')),
      moduleBoxes.length ? h('div', { class: 'checks' }, moduleBoxes) : h('span', { class: 'muted' }, t('judges.no_modules')),
      h('span', { class: 'field-error' }),
    ),
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'actions full' }, h('button', { type: 'submit', class: 'primary' }, t('judges.create'))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const d = new FormData(form);
    const body = {
      name: d.get('name'),
      organization: d.get('organization') || '',
      pin: d.get('pin') ? String(d.get('pin')) : null,
      is_chief: d.get('is_chief') === 'on',
      modules: moduleBoxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
    };
    try {
      const created = await busy(form.querySelector('button[type=submit]'), () => api('POST', contestPath(ctx.slug, '/judges'), { json: body }));
      remember(ctx.slug, created);
      form.reset();
      await ctx.reload();
      showCards([created]);
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return section(t('judges.new'), form);
}

function listCard(ctx, judges, showCards) {
  const issued = issuedCards(ctx.slug);
  const printAll = h('button', { disabled: issued.length === 0 }, t('judges.print_issued', { n: issued.length }));
  printAll.addEventListener('click', () => showCards(issuedCards(ctx.slug)));
  const path = (j, rest) => contestPath(ctx.slug, `/judges/${encodeURIComponent(j.id)}${rest}`);
  const actions = (j) => {
    if (j.revoked) return h('span', { class: 'muted' }, t('judges.revoked'));
    const reissue = h('button', { class: 'small' }, t('judges.reissue'));
    reissue.addEventListener('click', async () => {
      const ok = await confirmAction({ title: t('judges.reissue'), message: t('judges.reissue_q', { name: j.name }), confirm: t('judges.reissue') });
      if (!ok) return;
      const fresh = await attempt(() => busy(reissue, () => api('POST', path(j, '/link'))));
      if (fresh) {
        remember(ctx.slug, fresh);
        await ctx.reload();
        showCards([fresh]);
      }
    });
    const revoke = h('button', { class: 'small ghost danger-text' }, t('judges.revoke'));
    revoke.addEventListener('click', async () => {
      const ok = await confirmAction({ title: t('judges.revoke'), message: t('judges.revoke_q', { name: j.name }), confirm: t('judges.revoke') });
      if (!ok) return;
      if ((await attempt(() => busy(revoke, () => api('POST', path(j, '/revoke'))), t('judges.revoked_done'))) !== undefined) {
        forget(ctx.slug, j.id);
        await ctx.reload();
      }
    });
    return h('span', { class: 'row-actions' }, reissue, revoke);
  };
  return section(
    t('judges.list'),
    toolbar(h('span', { class: 'muted' }, t('judges.links_once')), h('span', { class: 'grow' }), printAll),
    table(
      [
        { label: t('judges.name'), cell: (j) => h('strong', null, j.name) },
        { label: t('judges.organization'), cell: (j) => j.organization || '—' },
        { label: t('judges.role'), cell: (j) => (j.is_chief ? h('span', { class: 'badge chief' }, t('judges.chief')) : t('judges.judge')) },
        { label: t('judges.modules'), cell: (j) => j.modules.join(', ') || '—' },
        { label: 'PIN', cell: (j) => (j.has_pin ? '✓' : '—'), class: 'narrow' },
        { label: '', cell: actions, class: 'actions-cell' },
      ],
      judges,
      { empty: t('judges.none'), rowClass: (j) => (j.revoked ? 'struck' : null) },
    ),
  );
}

function panelCard(ctx, judges, modules) {
  const active = judges.filter((j) => !j.revoked);
  if (!modules.length || !active.length) return null;
  const boxes = new Map();
  const form = h('form', { class: 'stack-form' });
  const head = h('tr', null, h('th', null, t('judges.name')), modules.map((m) => h('th', { class: 'center', title: localized(m.title_zh, m.title_en) }, m.code)));
  const body = h('tbody');
  for (const j of active) {
    body.appendChild(
      h(
        'tr',
        null,
        h('td', null, j.name),
        modules.map((m) => {
          const box = h('input', { type: 'checkbox', checked: j.modules.includes(m.code), 'aria-label': `${j.name} ${m.code}` });
          boxes.set(`${j.id}|${m.code}`, box);
          return h('td', { class: 'center' }, box);
        }),
      ),
    );
  }
  const save = h('button', { type: 'submit', class: 'primary' }, t('judges.save_panels'));
  form.append(h('div', { class: 'table-wrap fit' }, h('table', { class: 'data matrix' }, h('thead', null, head), body)), h('div', { class: 'form-errors', hidden: true }), h('div', { class: 'actions left' }, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const changed = modules.filter((m) => active.some((j) => boxes.get(`${j.id}|${m.code}`).checked !== j.modules.includes(m.code)));
    if (!changed.length) {
      notice(t('judges.panels_unchanged'));
      return;
    }
    try {
      await busy(save, async () => {
        for (const m of changed) {
          // Revoked judges keep their seats only if they had them; the panel is the checked set.
          const ids = judges.filter((j) => (j.revoked ? j.modules.includes(m.code) : boxes.get(`${j.id}|${m.code}`).checked)).map((j) => j.id);
          await api('PUT', contestPath(ctx.slug, `/modules/${encodeURIComponent(m.code)}/panel`), { json: { judge_ids: ids } });
        }
      });
      notice(t('judges.panels_saved'));
      await ctx.reload();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return section(t('judges.panels'), h('p', { class: 'muted' }, t('judges.panels_intro')), form);
}
