// The administrator's screen: co-hosting organizations and organizer accounts.
import { api } from '../api.js';
import { h, field, replace, table } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, failed, loading, section, showProblem } from '../ui.js';

export function render() {
  const box = h('div', { class: 'stack' }, loading());
  load(box);
  return h('div', { class: 'stack' }, h('header', { class: 'contest-head' }, h('h1', null, t('accounts.title'))), box);
}

async function load(box) {
  let orgs;
  let users;
  try {
    [orgs, users] = await Promise.all([api('GET', '/organizations'), api('GET', '/users')]);
  } catch (problem) {
    replace(box, failed(problem));
    return;
  }
  const orgName = (id) => (orgs.find((o) => o.id === id) || {}).name || '—';
  const refresh = () => load(box);
  replace(
    box,
    section(
      t('accounts.orgs'),
      table([{ label: t('accounts.org_name'), cell: (o) => o.name }, { label: t('accounts.kind'), cell: (o) => t(`org.${o.kind}`) }], orgs, { empty: t('accounts.no_orgs') }),
      orgForm(refresh),
    ),
    section(
      t('accounts.users'),
      table(
        [
          { label: t('accounts.username'), cell: (u) => h('code', null, u.username) },
          { label: t('accounts.display_name'), cell: (u) => u.display_name },
          { label: t('accounts.organization'), cell: (u) => orgName(u.organization_id) },
          { label: t('accounts.role'), cell: (u) => (u.is_admin ? t('top.admin') : t('accounts.organizer')) },
          { label: t('team.status'), cell: (u) => (u.disabled ? t('accounts.disabled') : t('accounts.active')) },
        ],
        users,
      ),
      userForm(orgs, refresh),
    ),
  );
}

function orgForm(refresh) {
  const form = h(
    'form',
    { class: 'inline-form' },
    field(t('accounts.org_name'), h('input', { name: 'name', required: true, maxlength: 100 })),
    field(t('accounts.kind'), h('select', { name: 'kind' }, ['school', 'enterprise', 'other'].map((k) => h('option', { value: k }, t(`org.${k}`))))),
    h('button', { type: 'submit' }, t('accounts.add_org')),
    h('div', { class: 'form-errors', hidden: true }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const d = new FormData(form);
    try {
      await busy(form.querySelector('button[type=submit]'), () => api('POST', '/organizations', { json: { name: d.get('name'), kind: d.get('kind') } }));
      refresh();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return form;
}

function userForm(orgs, refresh) {
  const result = h('div');
  const form = h(
    'form',
    { class: 'inline-form' },
    field(t('accounts.username'), h('input', { name: 'username', required: true, maxlength: 50, autocomplete: 'off' })),
    field(t('accounts.display_name'), h('input', { name: 'display_name', required: true, maxlength: 100 })),
    field(t('accounts.organization'), h('select', { name: 'organization_id' }, orgs.map((o) => h('option', { value: o.id }, o.name)))),
    field(t('accounts.password'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), { hint: t('accounts.password_hint') }),
    h('button', { type: 'submit' }, t('accounts.add_user')),
    h('div', { class: 'form-errors', hidden: true }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const d = new FormData(form);
    const body = { username: d.get('username'), display_name: d.get('display_name'), organization_id: d.get('organization_id') || null, password: d.get('password') || null };
    try {
      const created = await busy(form.querySelector('button[type=submit]'), () => api('POST', '/users', { json: body }));
      if (created.generated_password) {
        // Shown once: the server keeps only its hash.
        replace(result, h('p', { class: 'ok-text' }, t('accounts.generated', { user: created.username }), h('code', { class: 'secret' }, created.generated_password)));
      } else refresh();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return h('div', null, form, result);
}
