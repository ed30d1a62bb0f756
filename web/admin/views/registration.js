// Registration: the spreadsheet import (dry run first, every bad row shown), the team list,
// check-in, and the decisions on self-registrations.
import { api, contestPath, upload } from '../api.js';
import { h, replace, table, when } from '../dom.js';
import { t } from '../i18n.js';
import { attempt, busy, confirmAction, errorRows, notice, progressBar, section } from '../ui.js';
import { toolbar } from './common.js';
import { editTeam } from './team-editor.js';

export async function render(ctx) {
  const teamsBox = h('div');
  const refresh = () => loadTeams(ctx, teamsBox);
  await refresh();
  return h('div', { class: 'stack' }, importCard(ctx, refresh), teamsBox);
}

function importCard(ctx, refresh) {
  const file = h('input', { type: 'file', id: 'reg-file', accept: '.csv,.xlsx,text/csv' });
  const check = h('button', { class: 'primary', id: 'reg-check', disabled: true }, t('reg.check'));
  const progress = progressBar();
  const result = h('div');
  file.addEventListener('change', () => {
    check.disabled = !file.files.length;
    replace(result);
  });
  // While a file is on its way the picker and both buttons stay disabled: one import at a time.
  const send = (f, dryRun, button) => {
    file.disabled = true;
    check.disabled = true;
    progress.set(0);
    return busy(button, () =>
      upload(contestPath(ctx.slug, '/registration/import'), f, {
        query: dryRun ? { dry_run: 'true' } : undefined,
        onProgress: (p) => (p < 1 ? progress.set(p) : progress.working()),
      }),
    ).finally(() => {
      progress.hide();
      file.disabled = false;
      check.disabled = !file.files.length;
    });
  };

  check.addEventListener('click', async () => {
    const f = file.files[0];
    if (!f) return;
    replace(result);
    try {
      const report = await send(f, true, check);
      replace(result, preview(report, f, async (button) => {
        try {
          const done = await send(f, false, button);
          replace(result, h('p', { class: 'ok-text', id: 'reg-imported' }, t('reg.imported', counts(done))));
          notice(t('reg.imported', counts(done)));
          file.value = '';
          check.disabled = true;
          await refresh();
        } catch (problem) {
          replace(result, errorRows(problem));
        }
      }));
    } catch (problem) {
      replace(result, h('div', null, errorRows(problem), h('p', { class: 'muted' }, t('reg.fix_and_retry'))));
    }
  });
  const closed = !['draft', 'registration'].includes(ctx.contest.state);
  return section(
    t('reg.import'),
    h('p', { class: 'muted' }, closed ? t('reg.closed') : t('reg.import_intro')),
    toolbar(file, check),
    progress.el,
    result,
  );
}

function counts(report) {
  const c = report.counts;
  return { created: c.teams_created, updated: c.teams_updated, unchanged: c.teams_unchanged };
}

function preview(report, f, onImport) {
  const c = report.counts;
  const changes = c.teams_created + c.teams_updated + c.contestants_created + c.contestants_updated + c.contestants_removed;
  const go = h('button', { class: 'primary', id: 'reg-import', disabled: changes === 0 }, t('reg.import_now'));
  go.addEventListener('click', () => onImport(go));
  return h(
    'div',
    { class: 'preview' },
    h('p', { class: 'ok-text' }, t('reg.file_ok', { file: f.name })),
    h(
      'dl',
      { class: 'counts' },
      [
        ['teams_created', c.teams_created],
        ['teams_updated', c.teams_updated],
        ['teams_unchanged', c.teams_unchanged],
        ['contestants_created', c.contestants_created],
        ['contestants_updated', c.contestants_updated],
        ['contestants_removed', c.contestants_removed],
      ].map(([k, v]) => h('div', null, h('dt', null, t(`reg.count.${k}`)), h('dd', null, String(v)))),
    ),
    table(
      [
        { label: t('import.line'), cell: (r) => String(r.line), class: 'num narrow' },
        { label: t('team.name'), cell: (r) => r.name },
        { label: t('team.school'), cell: (r) => r.school },
        { label: t('team.members'), cell: (r) => String(r.members), class: 'num' },
        { label: t('reg.outcome'), cell: (r) => h('span', { class: `badge outcome-${r.outcome}` }, t(`reg.outcome.${r.outcome}`)) },
      ],
      report.teams,
    ),
    h('div', { class: 'actions left' }, go, changes === 0 ? h('span', { class: 'muted' }, t('reg.nothing_to_do')) : null),
  );
}

async function loadTeams(ctx, box) {
  const teams = await api('GET', contestPath(ctx.slug, '/teams'));
  const filter = h(
    'select',
    null,
    ['all', 'registered', 'pending', 'withdrawn'].map((s) => h('option', { value: s }, t(`team.filter.${s}`))),
  );
  const search = h('input', { type: 'search', placeholder: t('team.search') });
  const add = h('button', { id: 'team-new' }, t('teamedit.new'));
  add.addEventListener('click', async () => {
    const saved = await editTeam(ctx, null);
    if (saved) {
      notice(t('teamedit.created', { name: saved.name }));
      loadTeams(ctx, box);
    }
  });
  const listBox = h('div');
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = teams.filter(
      (x) =>
        (filter.value === 'all' || x.status === filter.value) &&
        (!q || [x.name, x.school, x.region, x.code || '', ...x.members.map((m) => m.name)].some((s) => String(s).toLowerCase().includes(q))),
    );
    replace(listBox, teamTable(ctx, shown, () => loadTeams(ctx, box)));
  };
  filter.addEventListener('change', draw);
  search.addEventListener('input', draw);
  const present = teams.filter((x) => x.checked_in_at && x.status === 'registered').length;
  const registered = teams.filter((x) => x.status === 'registered').length;
  const pending = teams.filter((x) => x.status === 'pending').length;
  draw();
  replace(
    box,
    section(
      t('reg.teams'),
      h(
        'div',
        { class: 'toolbar' },
        h('span', { class: 'stat' }, t('reg.stat_registered', { n: registered })),
        h('span', { class: 'stat' }, t('reg.stat_present', { n: present })),
        pending ? h('span', { class: 'stat warn' }, t('reg.stat_pending', { n: pending })) : null,
        h('span', { class: 'grow' }),
        search,
        filter,
        add,
      ),
      listBox,
    ),
  );
}

function teamTable(ctx, teams, refresh) {
  const path = (team, rest) => contestPath(ctx.slug, `/teams/${encodeURIComponent(team.id)}${rest}`);
  const actions = (team) => {
    const out = [];
    if (team.status !== 'withdrawn') {
      const edit = h('button', { class: 'small ghost', dataset: { edit: team.id } }, t('teamedit.edit'));
      edit.addEventListener('click', async () => {
        if (await editTeam(ctx, team)) {
          notice(t('common.saved'));
          refresh();
        }
      });
      out.push(edit);
    }
    if (team.status === 'registered') {
      if (team.checked_in_at) {
        const undo = h('button', { class: 'small ghost', disabled: team.station != null, title: team.station != null ? t('team.drawn_no_undo') : null }, t('team.undo_check_in'));
        undo.addEventListener('click', async () => {
          const ok = await confirmAction({ title: t('team.undo_check_in'), message: t('team.undo_check_in_q', { name: team.name }) });
          if (ok && (await attempt(() => busy(undo, () => api('DELETE', path(team, '/check-in'))), t('team.undone'))) !== undefined) refresh();
        });
        out.push(undo);
      } else {
        const checkIn = h('button', { class: 'small primary', dataset: { checkIn: team.id } }, t('team.check_in'));
        checkIn.addEventListener('click', async () => {
          if ((await attempt(() => busy(checkIn, () => api('POST', path(team, '/check-in'))), t('team.checked_in', { name: team.name }))) !== undefined) refresh();
        });
        out.push(checkIn);
      }
      const withdraw = h('button', { class: 'small ghost danger-text' }, t('team.withdraw'));
      withdraw.addEventListener('click', async () => {
        const reason = await confirmAction({ title: t('team.withdraw'), message: t('team.withdraw_q', { name: team.name }), reason: true, confirm: t('team.withdraw') });
        if (reason && (await attempt(() => api('POST', path(team, '/withdraw'), { json: { reason } }), t('team.withdrawn'))) !== undefined) refresh();
      });
      out.push(withdraw);
    } else if (team.status === 'pending') {
      const approve = h('button', { class: 'small primary' }, t('team.approve'));
      approve.addEventListener('click', async () => {
        if ((await attempt(() => busy(approve, () => api('POST', path(team, '/approve'))), t('team.approved'))) !== undefined) refresh();
      });
      const reject = h('button', { class: 'small ghost danger-text' }, t('team.reject'));
      reject.addEventListener('click', async () => {
        const reason = await confirmAction({ title: t('team.reject'), message: t('team.reject_q', { name: team.name }), reason: true, confirm: t('team.reject') });
        if (reason && (await attempt(() => api('POST', path(team, '/reject'), { json: { reason } }), t('team.rejected'))) !== undefined) refresh();
      });
      out.push(approve, reject);
    }
    return h('span', { class: 'row-actions' }, out);
  };
  return table(
    [
      { label: t('team.station'), cell: (x) => (x.station != null ? String(x.station) : '—'), class: 'num narrow' },
      { label: t('team.code'), cell: (x) => (x.code ? h('code', null, x.code) : '—'), class: 'narrow' },
      { label: t('team.name'), cell: (x) => h('strong', null, x.name) },
      { label: t('team.school'), cell: (x) => x.school },
      { label: t('team.region'), cell: (x) => x.region },
      { label: t('team.members'), cell: (x) => x.members.map((m) => m.name).join('、') },
      { label: t('team.status'), cell: (x) => h('span', { class: `badge team-${x.status}` }, t(`team.status.${x.status}`)) },
      { label: t('team.checked_in_at'), cell: (x) => (x.checked_in_at ? when(x.checked_in_at) : '—'), class: 'narrow' },
      { label: '', cell: actions, class: 'actions-cell' },
    ],
    teams,
    { empty: t('reg.no_teams'), rowClass: (x) => (x.status === 'withdrawn' ? 'struck' : null) },
  );
}
