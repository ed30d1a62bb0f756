// Marking scheme: modules and criteria, the XLSX round trip, JSON editing, reopening.
import { api, contestPath, upload } from '../api.js';
import { h, replace, table } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, confirmAction, errorRows, notice, progressBar, section, showProblem } from '../ui.js';
import { localized, toolbar } from './common.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function render(ctx) {
  let scheme = { modules: [] };
  try {
    scheme = await api('GET', contestPath(ctx.slug, '/scheme'));
  } catch (problem) {
    if (problem.status !== 404) throw problem;
  }
  const editable = ctx.contest.scheme_editable;
  return h('div', { class: 'stack' }, editable ? importCard(ctx) : frozenCard(ctx), modulesCard(scheme), editable ? jsonCard(ctx, scheme) : null);
}

function frozenCard(ctx) {
  const box = h('div', null, h('p', null, t('scheme.frozen')), h('div', { class: 'form-errors', hidden: true }));
  const button = h('button', { class: 'danger' }, t('scheme.reopen'));
  button.addEventListener('click', async () => {
    const reason = await confirmAction({ title: t('scheme.reopen'), message: t('scheme.reopen_explain'), reason: true, confirm: t('scheme.reopen') });
    if (!reason) return;
    clearProblems(box);
    try {
      await busy(button, () => api('POST', contestPath(ctx.slug, '/scheme/reopen'), { json: { reason } }));
      notice(t('scheme.reopened'));
      await ctx.reload();
    } catch (problem) {
      showProblem(box, problem);
    }
  });
  box.appendChild(toolbar(button, h('a', { class: 'button', href: `/api/v1${contestPath(ctx.slug, '/scheme.xlsx')}` }, t('scheme.download'))));
  return section(t('scheme.title'), box);
}

function importCard(ctx) {
  const file = h('input', { type: 'file', accept: '.xlsx,.json,application/json,' + XLSX });
  const button = h('button', { class: 'primary', disabled: true }, t('scheme.import'));
  const progress = progressBar();
  const result = h('div');
  file.addEventListener('change', () => (button.disabled = !file.files.length));
  button.addEventListener('click', async () => {
    const f = file.files[0];
    if (!f) return;
    const ok = await confirmAction({ title: t('scheme.import'), message: t('scheme.import_confirm', { file: f.name }), confirm: t('scheme.import') });
    if (!ok) return;
    replace(result);
    const contentType = /\.json$/i.test(f.name) ? 'application/json' : XLSX;
    try {
      await busy(button, () =>
        upload(contestPath(ctx.slug, '/scheme/import'), f, {
          contentType,
          onProgress: (p) => (p < 1 ? progress.set(p) : progress.working()),
        }),
      );
      progress.hide();
      notice(t('scheme.imported'));
      await ctx.reload();
    } catch (problem) {
      progress.hide();
      replace(result, errorRows(problem));
    }
  });
  return section(
    t('scheme.title'),
    h('p', { class: 'muted' }, t('scheme.intro')),
    toolbar(h('a', { class: 'button', href: `/api/v1${contestPath(ctx.slug, '/scheme.xlsx')}` }, t('scheme.download')), h('span', { class: 'sep' }), file, button),
    progress.el,
    result,
  );
}

function kindText(c) {
  const kind = t(`kind.${c.kind}`);
  return c.kind === 'measurement' && c.step ? `${kind} · ${t('scheme.step')} ${c.step}` : kind;
}

function modulesCard(scheme) {
  if (!scheme.modules.length) return section(t('scheme.modules'), h('p', { class: 'muted' }, t('scheme.none')));
  return section(
    t('scheme.modules'),
    scheme.modules.map((m) => {
      const max = m.criteria.filter((c) => c.kind !== 'deduction').reduce((sum, c) => sum + Number(c.max_mark), 0);
      return h(
        'div',
        { class: 'module' },
        h(
          'h3',
          null,
          h('span', { class: 'module-code' }, m.code),
          ` ${localized(m.title_zh, m.title_en)}`,
          h('span', { class: 'muted small' }, ` · ${t('scheme.max_points')} ${max}`, m.weight ? ` · ${t('scheme.weight')} ${m.weight}` : '', ` · ${t(`agg.${m.aggregation || 'auto'}`)}`, ` · ${t('scheme.threshold')} ${m.discrepancy_threshold ?? 1}`),
        ),
        table(
          [
            { label: t('scheme.code'), cell: (c) => h('code', null, c.code), class: 'narrow' },
            { label: t('scheme.criterion'), cell: (c) => localized(c.text_zh, c.text_en) },
            { label: t('scheme.kind'), cell: kindText },
            { label: t('scheme.max'), cell: (c) => (c.kind === 'deduction' ? `−${c.max_mark}` : String(c.max_mark)), class: 'num' },
          ],
          m.criteria,
        ),
      );
    }),
  );
}

function jsonCard(ctx, scheme) {
  const area = h('textarea', { class: 'code', rows: 14, spellcheck: 'false' });
  area.value = JSON.stringify(scheme, null, 2);
  const save = h('button', { type: 'submit', class: 'primary' }, t('scheme.save_json'));
  const form = h('form', { class: 'stack-form' }, area, h('div', { class: 'form-errors', hidden: true }), h('div', { class: 'actions left' }, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    let doc;
    try {
      doc = JSON.parse(area.value);
    } catch (err) {
      showProblem(form, { code: 'client.bad_json', message: String(err.message), errors: [] });
      return;
    }
    try {
      await busy(save, () => api('PUT', contestPath(ctx.slug, '/scheme'), { json: doc }));
      notice(t('common.saved'));
      await ctx.reload();
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return h('details', { class: 'card' }, h('summary', null, t('scheme.edit_json')), h('p', { class: 'muted' }, t('scheme.json_hint')), form);
}
