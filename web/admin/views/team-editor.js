// One team typed in or corrected by hand: name, school, region, coach and the members, captain
// first. New teams are POSTed, changes PATCHed with the whole member list (kept members carry
// their id, so their masked phone and ID number stay unless a new one is typed).
import { api, contestPath } from '../api.js';
import { h, field } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, showProblem } from '../ui.js';

/** Opens the editor; resolves to the saved team, or null when closed without saving. */
export function editTeam(ctx, team) {
  return new Promise((resolve) => {
    const isNew = !team;
    const value = (x) => (x == null ? '' : x);
    const members = h('tbody');
    const addRow = (m) => members.appendChild(memberRow(m, renumber));
    const renumber = () => {
      [...members.rows].forEach((row, i) => {
        for (const cell of row.querySelectorAll('[data-part]')) cell.dataset.field = `members[${i}].${cell.dataset.part}`;
        row.querySelector('.member-index').textContent = i === 0 ? t('teamedit.captain') : String(i + 1);
      });
    };
    for (const m of team && team.members.length ? team.members : [null]) addRow(m);
    renumber();
    const add = h('button', { type: 'button', class: 'small', id: 'team-add-member' }, t('teamedit.add_member'));
    add.addEventListener('click', () => {
      addRow(null);
      renumber();
      members.lastChild.querySelector('input').focus();
    });
    const save = h('button', { type: 'submit', class: 'primary', id: 'team-save' }, isNew ? t('teamedit.create') : t('common.save'));
    const cancel = h('button', { type: 'button', class: 'ghost' }, t('common.cancel'));
    const form = h(
      'form',
      { class: 'dialog-body team-editor', novalidate: true },
      h('h2', null, isNew ? t('teamedit.new_title') : t('teamedit.edit_title', { name: team.name })),
      h(
        'div',
        { class: 'grid-form' },
        field(t('team.name'), h('input', { name: 'name', required: true, maxlength: 50, value: value(team && team.name) })),
        field(t('team.school'), h('input', { name: 'school', maxlength: 100, value: value(team && team.school) })),
        field(t('team.region'), h('input', { name: 'region', maxlength: 50, value: value(team && team.region) })),
        field(t('teamedit.coach'), h('input', { name: 'coach', maxlength: 50, value: value(team && team.coach) })),
      ),
      h(
        'div',
        { class: 'field', dataset: { field: 'members' } },
        h('span', { class: 'field-label' }, t('team.members'), h('span', { class: 'muted small' }, ` · ${t('teamedit.size', { min: ctx.contest.team_size.min, max: ctx.contest.team_size.max })}`)),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data compact members-edit' },
            h('thead', null, h('tr', null, ['#', t('teamedit.member_name'), t('team.region'), t('teamedit.phone'), t('teamedit.id_number'), t('teamedit.role'), ''].map((x) => h('th', null, x)))),
            members,
          ),
        ),
        h('span', { class: 'field-error' }),
      ),
      h('p', { class: 'muted small' }, t('teamedit.masked_hint')),
      h('div', { class: 'form-errors', hidden: true }),
      h('div', { class: 'actions' }, add, h('span', { class: 'grow' }), cancel, save),
    );
    const dialog = h('dialog', { class: 'confirm wide-dialog', id: 'team-editor' }, form);
    let saved = null;
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(saved);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      renumber();
      const d = new FormData(form);
      const body = {
        name: String(d.get('name') || ''),
        school: String(d.get('school') || ''),
        region: String(d.get('region') || ''),
        coach: String(d.get('coach') || '').trim() || null,
        members: [...members.rows].map(memberInput),
      };
      const path = isNew ? contestPath(ctx.slug, '/teams') : contestPath(ctx.slug, `/teams/${encodeURIComponent(team.id)}`);
      try {
        saved = await busy(save, () => api(isNew ? 'POST' : 'PATCH', path, { json: body }));
        dialog.close();
      } catch (problem) {
        showProblem(form, problem);
      }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    form.querySelector('input[name=name]').focus();
  });
}

function memberRow(member, renumber) {
  const cell = (part, input) => h('td', null, h('label', { class: 'field', dataset: { part } }, input, h('span', { class: 'field-error' })));
  const row = h(
    'tr',
    { dataset: { id: member ? member.id : '' } },
    h('td', { class: 'member-index narrow muted' }),
    cell('name', h('input', { class: 'm-name', maxlength: 50, 'aria-label': t('teamedit.member_name'), value: member ? member.name : '' })),
    cell('region', h('input', { class: 'm-region', maxlength: 50, 'aria-label': t('team.region'), value: member ? member.region : '' })),
    // Stored numbers come back masked: shown as the placeholder, sent only when retyped.
    cell('phone', h('input', { class: 'm-phone', inputmode: 'numeric', maxlength: 20, 'aria-label': t('teamedit.phone'), placeholder: member && member.phone ? member.phone : '' })),
    cell('id_number', h('input', { class: 'm-id', maxlength: 20, 'aria-label': t('teamedit.id_number'), placeholder: member && member.id_number ? member.id_number : '' })),
    cell('role', h('input', { class: 'm-role', maxlength: 20, 'aria-label': t('teamedit.role'), value: member && member.role ? member.role : '' })),
  );
  const remove = h('button', { type: 'button', class: 'small ghost danger-text', title: t('teamedit.remove') }, '✕');
  remove.addEventListener('click', () => {
    row.remove();
    renumber();
  });
  row.appendChild(h('td', { class: 'narrow' }, remove));
  return row;
}

function memberInput(row) {
  const get = (cls) => row.querySelector(`.${cls}`).value.trim();
  const out = { name: get('m-name') };
  if (row.dataset.id) out.id = row.dataset.id;
  if (get('m-region')) out.region = get('m-region');
  if (get('m-role')) out.role = get('m-role');
  if (get('m-phone')) out.phone = get('m-phone');
  else if (!row.dataset.id) out.phone = null;
  if (get('m-id')) out.id_number = get('m-id');
  else if (!row.dataset.id) out.id_number = null;
  return out;
}
