// Overview & state: the contest's lifecycle, its details and its co-hosts.
import { api, contestPath } from '../api.js';
import { h, field, fromLocalInput, toLocalInput } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, confirmAction, notice, section, showProblem } from '../ui.js';
import { STATES } from './common.js';

export async function render(ctx) {
  return h('div', { class: 'stack' }, stateCard(ctx), detailsCard(ctx), await hostsCard(ctx), exportsCard(ctx));
}

function stateCard(ctx) {
  const { contest } = ctx;
  const at = STATES.indexOf(contest.state);
  const steps = STATES.map((s, i) =>
    h('li', { class: i < at ? 'done' : i === at ? 'current' : '' }, h('span', { class: 'step-dot' }, String(i + 1)), t(`state.${s}`)),
  );
  const box = h('div');
  const actions = h('div', { class: 'actions left' });
  const next = STATES[at + 1];
  if (next) {
    const button = h('button', { class: 'primary' }, t('state.move_to', { state: t(`state.${next}`) }));
    button.addEventListener('click', async () => {
      const ok = await confirmAction({
        title: t('state.move_to', { state: t(`state.${next}`) }),
        message: t(`state.explain.${next}`),
        confirm: t('state.move_to', { state: t(`state.${next}`) }),
        danger: next === 'locked' || next === 'published',
      });
      if (!ok) return;
      await change(ctx, box, button, { to: next });
    });
    actions.appendChild(button);
  }
  if (contest.state === 'locked') {
    const back = h('button', { class: 'ghost' }, t('state.reopen'));
    back.addEventListener('click', async () => {
      const reason = await confirmAction({ title: t('state.reopen'), message: t('state.explain.reopen'), reason: true, confirm: t('state.reopen') });
      if (!reason) return;
      await change(ctx, box, back, { to: 'running', reason });
    });
    actions.appendChild(back);
  }
  box.append(h('ol', { class: 'steps' }, steps), h('p', { class: 'muted' }, t(`state.now.${contest.state}`)), actions, h('div', { class: 'form-errors', hidden: true }));
  return section(t('overview.state'), box);
}

async function change(ctx, box, button, body) {
  clearProblems(box);
  try {
    await busy(button, () => api('POST', contestPath(ctx.slug, '/state'), { json: body }));
    notice(t('state.changed'));
    await ctx.reload();
  } catch (problem) {
    showProblem(box, problem);
  }
}

function detailsCard(ctx) {
  const c = ctx.contest;
  const input = (name, value, attrs = {}) => h('input', { name, value: value ?? '', ...attrs });
  const visibility = h(
    'select',
    { name: 'visibility' },
    ['private', 'codes', 'names'].map((v) => h('option', { value: v, selected: c.visibility === v }, t(`visibility.${v}`))),
  );
  const selfReg = h('input', { type: 'checkbox', name: 'self_registration', checked: c.self_registration });
  const tiers = (c.award_tiers || []).map((bp) => String(bp / 100)).join(', ');
  const form = h(
    'form',
    { class: 'grid-form' },
    field(t('contest.title_zh'), input('title_zh', c.title_zh, { required: true, maxlength: 200 })),
    field(t('contest.title_en'), input('title_en', c.title_en, { maxlength: 200 })),
    field(t('contest.venue'), input('venue', c.venue, { maxlength: 200 }), { name: 'venue' }),
    field(t('contest.visibility'), visibility, { hint: t('contest.visibility_hint') }),
    field(t('contest.starts_at'), input('starts_at', toLocalInput(c.starts_at), { type: 'datetime-local', required: true })),
    field(t('contest.ends_at'), input('ends_at', toLocalInput(c.ends_at), { type: 'datetime-local', required: true })),
    field(t('contest.freeze_at'), input('freeze_at', toLocalInput(c.freeze_at), { type: 'datetime-local' }), { hint: t('contest.freeze_hint') }),
    h(
      'div',
      { class: 'field pair', dataset: { field: 'team_size' } },
      h('span', { class: 'field-label' }, t('contest.team_size')),
      h('span', { class: 'inline' }, input('team_min', c.team_size.min, { type: 'number', min: 1, max: 20 }), '–', input('team_max', c.team_size.max, { type: 'number', min: 1, max: 20 })),
      h('span', { class: 'field-error' }),
    ),
    field(t('contest.tie_break'), input('tie_break', (c.tie_break || []).join(', '), { placeholder: 'C, A' }), { hint: t('contest.tie_break_hint') }),
    field(t('contest.award_tiers'), input('award_tiers', tiers, { placeholder: '10, 20, 30' }), { hint: t('contest.award_tiers_hint') }),
    h('label', { class: 'field checkbox', dataset: { field: 'self_registration' } }, selfReg, h('span', null, t('contest.self_registration')), h('span', { class: 'field-error' })),
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'actions full' }, h('button', { type: 'submit', class: 'primary' }, t('common.save'))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const d = new FormData(form);
    const list = (s) => String(s || '').split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);
    const body = {
      title_zh: d.get('title_zh'),
      title_en: d.get('title_en'),
      venue: d.get('venue'),
      visibility: d.get('visibility'),
      starts_at: fromLocalInput(d.get('starts_at')),
      ends_at: fromLocalInput(d.get('ends_at')),
      freeze_at: fromLocalInput(d.get('freeze_at')),
      team_size: { min: Number(d.get('team_min')), max: Number(d.get('team_max')) },
      tie_break: list(d.get('tie_break')).map((x) => x.toUpperCase()),
      award_tiers: list(d.get('award_tiers')).map((x) => Math.round(Number(x) * 100)),
      self_registration: selfReg.checked,
    };
    try {
      await busy(form.querySelector('button[type=submit]'), () => api('PATCH', contestPath(ctx.slug), { json: body }));
      notice(t('common.saved'));
      await ctx.reload();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return section(t('overview.details'), form);
}

async function hostsCard(ctx) {
  const hosts = ctx.contest.hosts || [];
  const list = h(
    'ul',
    { class: 'hosts' },
    hosts.map((host) => h('li', null, host.name, ' ', host.is_lead ? h('span', { class: 'badge lead' }, t('hosts.is_lead')) : null, h('span', { class: 'muted' }, ` · ${t(`org.${host.kind}`)}`))),
  );
  let orgs = [];
  try {
    orgs = await api('GET', '/organizations');
  } catch {
    return section(t('overview.hosts'), list);
  }
  const lead = hosts.find((x) => x.is_lead);
  const leadSelect = h(
    'select',
    { name: 'lead_organization_id' },
    orgs.map((o) => h('option', { value: o.id, selected: lead && lead.organization_id === o.id }, o.name)),
  );
  const boxes = orgs.map((o) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', value: o.id, checked: hosts.some((x) => x.organization_id === o.id && !x.is_lead) }), o.name),
  );
  // The lead is a host already: its own co-host box is disabled while it leads.
  const markLead = () => {
    for (const b of boxes) {
      const input = b.querySelector('input');
      const isLead = input.value === leadSelect.value;
      input.disabled = isLead;
      if (isLead) input.checked = false;
      b.classList.toggle('muted', isLead);
    }
  };
  leadSelect.addEventListener('change', markLead);
  markLead();
  const form = h(
    'form',
    { class: 'stack-form' },
    field(t('hosts.lead'), leadSelect),
    h('div', { class: 'field', dataset: { field: 'co_host_ids' } }, h('span', { class: 'field-label' }, t('hosts.co_hosts')), h('div', { class: 'checks' }, boxes), h('span', { class: 'field-error' })),
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'actions left' }, h('button', { type: 'submit' }, t('hosts.save'))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const leadId = leadSelect.value;
    const co = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked && i.value !== leadId).map((i) => i.value);
    try {
      await busy(form.querySelector('button[type=submit]'), () => api('PUT', contestPath(ctx.slug, '/hosts'), { json: { lead_organization_id: leadId, co_host_ids: co } }));
      notice(t('common.saved'));
      await ctx.reload();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return section(t('overview.hosts'), h('div', { class: 'two-col' }, list, form));
}

function exportsCard(ctx) {
  const tab = (name) => h('a', { class: 'button', href: `#/c/${encodeURIComponent(ctx.slug)}/${name}` }, t(`tab.${name}`));
  return section(t('overview.exports'), h('p', { class: 'muted' }, t('overview.exports_where')), h('div', { class: 'actions left' }, tab('results'), tab('exports')));
}
