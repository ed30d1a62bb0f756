// A new contest: the fields the server needs to create one; the rest is edited on Overview.
import { api } from '../api.js';
import { h, field, fromLocalInput } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, section, showProblem } from '../ui.js';

export function render({ me, onCreated }) {
  const leadSelect = h('select', { name: 'lead_organization_id' });
  const form = h(
    'form',
    { class: 'grid-form' },
    field(t('contest.slug'), h('input', { name: 'slug', required: true, pattern: '[a-z0-9][a-z0-9-]*', maxlength: 60, placeholder: 'ecommerce-2026' }), { hint: t('contest.slug_hint') }),
    field(t('contest.venue'), h('input', { name: 'venue', maxlength: 200 })),
    field(t('contest.title_zh'), h('input', { name: 'title_zh', required: true, maxlength: 200 })),
    field(t('contest.title_en'), h('input', { name: 'title_en', maxlength: 200 })),
    field(t('contest.starts_at'), h('input', { name: 'starts_at', type: 'datetime-local', required: true })),
    field(t('contest.ends_at'), h('input', { name: 'ends_at', type: 'datetime-local', required: true })),
    me.organization ? null : field(t('hosts.lead'), leadSelect),
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'actions full' }, h('button', { type: 'submit', class: 'primary' }, t('new.create'))),
  );
  if (!me.organization) {
    api('GET', '/organizations').then((orgs) => {
      for (const o of orgs) leadSelect.appendChild(h('option', { value: o.id }, o.name));
      if (!orgs.length) leadSelect.appendChild(h('option', { value: '' }, t('new.no_orgs')));
    }, () => {});
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const d = new FormData(form);
    const body = {
      slug: String(d.get('slug') || '').trim(),
      title_zh: d.get('title_zh'),
      title_en: d.get('title_en'),
      venue: d.get('venue'),
      starts_at: fromLocalInput(d.get('starts_at')),
      ends_at: fromLocalInput(d.get('ends_at')),
    };
    if (!me.organization && leadSelect.value) body.lead_organization_id = leadSelect.value;
    try {
      const created = await busy(form.querySelector('button[type=submit]'), () => api('POST', '/contests', { json: body }));
      await onCreated(created);
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return h('div', { class: 'stack' }, h('header', { class: 'contest-head' }, h('h1', null, t('new.title'))), section(null, h('p', { class: 'muted' }, t('new.intro')), form));
}
