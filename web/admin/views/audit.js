// Audit: the tamper-evident chain, verified on request, newest events first.
import { api, contestPath } from '../api.js';
import { h, replace, table, when } from '../dom.js';
import { t } from '../i18n.js';
import { busy, failed, section } from '../ui.js';
import { toolbar } from './common.js';

const PAGE = 100;

export async function render(ctx) {
  const events = (await api('GET', contestPath(ctx.slug, '/audit'))).slice().reverse();
  const verdict = h('div', { class: 'verdict' });
  const verify = h('button', { class: 'primary' }, t('audit.verify'));
  verify.addEventListener('click', async () => {
    try {
      const v = await busy(verify, () => api('GET', contestPath(ctx.slug, '/audit/verify')));
      replace(
        verdict,
        v.intact
          ? h('p', { class: 'ok-text' }, t('audit.intact', { n: v.events }), v.head ? h('code', { class: 'hash' }, ` ${v.head}`) : null)
          : h('p', { class: 'error-text' }, t('audit.broken', { seq: v.broken_at ?? '?' }), v.problem ? ` — ${v.problem}` : ''),
      );
    } catch (problem) {
      replace(verdict, failed(problem));
    }
  });
  const filter = h('input', { type: 'search', placeholder: t('audit.filter') });
  const listBox = h('div');
  let limit = PAGE;
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = q ? events.filter((e) => [e.action, e.actor, e.subject, e.reason || ''].some((s) => String(s).toLowerCase().includes(q))) : events;
    const more = shown.length > limit ? h('button', { class: 'ghost' }, t('audit.more', { n: shown.length - limit })) : null;
    if (more) more.addEventListener('click', () => { limit += PAGE; draw(); });
    replace(
      listBox,
      table(
        [
          { label: '#', cell: (e) => String(e.seq), class: 'num narrow' },
          { label: t('audit.at'), cell: (e) => when(e.at), class: 'narrow' },
          { label: t('audit.actor'), cell: (e) => e.actor },
          { label: t('audit.action'), cell: (e) => h('code', null, e.action) },
          { label: t('audit.subject'), cell: (e) => e.subject },
          { label: t('common.reason'), cell: (e) => e.reason || '' },
          { label: t('audit.change'), cell: changeCell },
        ],
        shown.slice(0, limit),
        { empty: t('audit.none') },
      ),
      more,
    );
  };
  filter.addEventListener('input', () => { limit = PAGE; draw(); });
  draw();
  return h(
    'div',
    { class: 'stack' },
    section(t('audit.chain'), h('p', { class: 'muted' }, t('audit.intro')), toolbar(verify), verdict),
    section(t('audit.events', { n: events.length }), toolbar(filter), listBox),
  );
}

function changeCell(e) {
  if (e.before == null && e.after == null) return '';
  return h(
    'details',
    { class: 'change' },
    h('summary', null, t('audit.show')),
    e.before != null ? h('div', null, h('span', { class: 'muted small' }, t('audit.before')), h('pre', null, JSON.stringify(e.before, null, 2))) : null,
    e.after != null ? h('div', null, h('span', { class: 'muted small' }, t('audit.after')), h('pre', null, JSON.stringify(e.after, null, 2))) : null,
  );
}
