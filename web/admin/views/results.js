// Results: the organizers' live standings, the board freeze, the reveal for the award ceremony
// (all at once, or one place at a time from the bottom) and publishing. The standings re-read
// the live board whenever the progress socket says something changed.
import { api, contestPath } from '../api.js';
import { h, replace, toLocalInput, fromLocalInput, when } from '../dom.js';
import { t } from '../i18n.js';
import { busy, clearProblems, confirmAction, notice, section, showProblem } from '../ui.js';
import { watchProgress } from '../live.js';
import { localized, toolbar } from './common.js';

export async function render(ctx) {
  const boardBox = h('div');
  const revealBox = h('div');
  const live = h('span', { class: 'live-status connecting' }, t('live.connecting'));
  let board = null;
  let reading = false;
  const load = async () => {
    if (reading || document.querySelector('dialog[open]')) return;
    reading = true;
    try {
      board = await api('GET', contestPath(ctx.slug, '/board/live'));
      replace(revealBox, revealCard(ctx, board, load));
      replace(boardBox, standings(board));
    } catch (problem) {
      replace(boardBox, h('p', { class: 'error-text' }, problem.message));
    } finally {
      reading = false;
    }
  };
  await load();
  let pending = null;
  const stop = watchProgress(ctx.slug, {
    onBoard: () => {
      if (!pending) pending = setTimeout(() => { pending = null; load(); }, 500);
    },
    onStatus: (s) => {
      live.className = `live-status ${s}`;
      live.textContent = t(`live.${s}`);
    },
    poll: load,
  });
  ctx.onCleanup(() => {
    stop();
    clearTimeout(pending);
  });
  return h(
    'div',
    { class: 'stack' },
    h('div', { class: 'two-col' }, publishCard(ctx), freezeCard(ctx, board)),
    revealBox,
    section(t('results.standings'), toolbar(live, h('span', { class: 'muted small' }, t('results.standings_intro'))), boardBox),
  );
}

function publishCard(ctx) {
  const { state } = ctx.contest;
  const box = h('div', null, h('p', { class: 'muted' }, t(`results.publish_now.${state}`)), h('div', { class: 'form-errors', hidden: true }));
  const move = async (button, to, danger) => {
    const ok = await confirmAction({ title: t('state.move_to', { state: t(`state.${to}`) }), message: t(`state.explain.${to}`), confirm: t('state.move_to', { state: t(`state.${to}`) }), danger });
    if (!ok) return;
    clearProblems(box);
    try {
      await busy(button, () => api('POST', contestPath(ctx.slug, '/state'), { json: { to } }));
      notice(t('state.changed'));
      await ctx.reload();
    } catch (problem) {
      showProblem(box, problem);
    }
  };
  const actions = h('div', { class: 'actions left' });
  if (state === 'running') {
    const lock = h('button', { class: 'primary' }, t('state.move_to', { state: t('state.locked') }));
    lock.addEventListener('click', () => move(lock, 'locked', true));
    actions.appendChild(lock);
  }
  if (state === 'locked') {
    const publish = h('button', { class: 'primary', id: 'publish' }, t('results.publish'));
    publish.addEventListener('click', () => move(publish, 'published', true));
    actions.appendChild(publish);
  }
  box.appendChild(actions);
  return section(t('results.publishing'), box);
}

function freezeCard(ctx, board) {
  const c = ctx.contest;
  const input = h('input', { type: 'datetime-local', name: 'freeze_at', value: toLocalInput(c.freeze_at) });
  const save = h('button', { type: 'submit', class: 'primary' }, t('results.set_freeze'));
  const clearButton = h('button', { type: 'button', class: 'ghost', disabled: !c.freeze_at }, t('results.no_freeze'));
  const frozen = board && board.frozen;
  const form = h(
    'form',
    { class: 'stack-form' },
    h('p', { class: frozen ? 'warn-text' : 'muted' }, frozen ? t('results.frozen_since', { at: when(c.freeze_at) }) : c.freeze_at ? t('results.freezes_at', { at: when(c.freeze_at) }) : t('results.not_frozen')),
    h('label', { class: 'field', dataset: { field: 'freeze_at' } }, h('span', { class: 'field-label' }, t('results.freeze_time')), input, h('span', { class: 'hint' }, t('contest.freeze_hint')), h('span', { class: 'field-error' })),
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'actions left' }, save, clearButton),
  );
  const send = async (button, value) => {
    clearProblems(form);
    try {
      await busy(button, () => api('PATCH', contestPath(ctx.slug), { json: { freeze_at: value } }));
      notice(t('common.saved'));
      await ctx.reload();
    } catch (problem) {
      showProblem(form, problem);
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = fromLocalInput(input.value);
    if (value) send(save, value);
    else input.focus();
  });
  clearButton.addEventListener('click', () => send(clearButton, null));
  return section(t('results.freeze'), form);
}

function revealCard(ctx, board, reload) {
  const r = board.reveal;
  const box = h('div', { class: 'form-errors', hidden: true });
  const rows = board.rows;
  const post = async (button, mode) => {
    clearProblems(card);
    try {
      const result = await busy(button, () => api('POST', contestPath(ctx.slug, '/reveal'), { json: { mode } }));
      notice(t(`results.reveal_done.${result.mode}`, { n: result.revealed, of: result.of }));
      await reload();
    } catch (problem) {
      showProblem(card, problem);
    }
  };
  const nextIndex = r.mode === 'all' ? -1 : rows.length - r.revealed - 1;
  const next = nextIndex >= 0 ? rows[nextIndex] : null;
  const step = h('button', { class: 'primary big-button', id: 'reveal-step', disabled: !next }, next ? t('results.reveal_next', { pos: next.rank }) : t('results.reveal_finished'));
  step.addEventListener('click', () => post(step, 'step'));
  const all = h('button', { id: 'reveal-all', disabled: r.mode === 'all' || !rows.length }, t('results.reveal_all'));
  all.addEventListener('click', async () => {
    if (await confirmAction({ title: t('results.reveal_all'), message: t('results.reveal_all_q'), confirm: t('results.reveal_all'), danger: false })) post(all, 'all');
  });
  const hide = h('button', { class: 'ghost danger-text', id: 'reveal-none', disabled: r.mode === 'none' }, t('results.reveal_none'));
  hide.addEventListener('click', async () => {
    if (await confirmAction({ title: t('results.reveal_none'), message: t('results.reveal_none_q'), confirm: t('results.reveal_none') })) post(hide, 'none');
  });
  const screen = h('a', { class: 'button', href: `/board/${encodeURIComponent(ctx.slug)}?screen=1`, target: '_blank', rel: 'noopener' }, t('results.open_screen'));
  const card = section(
    t('results.reveal'),
    h('p', { class: 'muted' }, t('results.reveal_intro')),
    board.visibility === 'private' ? h('p', { class: 'warn-text' }, t('results.private_board')) : null,
    h(
      'div',
      { class: 'reveal-status' },
      h('div', { class: 'big-stat' }, h('span', { class: 'big', id: 'revealed-count' }, `${r.revealed} / ${r.of}`), h('span', null, t('results.revealed'))),
      h('div', { class: 'next-up' }, next ? [h('span', { class: 'muted small' }, t('results.next_up')), h('strong', null, `${t('results.place', { n: next.rank })} · ${next.name}`), h('span', { class: 'muted' }, `${next.school} · ${next.code}`)] : h('span', { class: 'muted' }, r.mode === 'all' ? t('results.all_shown') : t('results.no_rows'))),
    ),
    toolbar(step, all, hide, h('span', { class: 'grow' }), screen),
    box,
  );
  return card;
}

function standings(board) {
  const header = board; // the header's fields are flattened into the board
  const { rows } = board;
  const r = header.reveal;
  const shownFrom = r.mode === 'all' ? 0 : rows.length - r.revealed;
  const award = (n) => (n ? h('span', { class: `badge award-${n}` }, t(`results.award.${n}`)) : '');
  const mark = (x) => (x == null ? '—' : Number(x).toFixed(2));
  if (!rows.length) return h('p', { class: 'muted' }, t('results.no_rows'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data standings' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { class: 'num narrow' }, t('results.rank')),
          h('th', { class: 'narrow' }, t('results.award')),
          h('th', { class: 'narrow' }, t('team.code')),
          h('th', null, t('team.name')),
          h('th', null, t('team.school')),
          header.modules.map((m) => h('th', { class: 'num narrow', title: localized(m.title_zh, m.title_en) }, m.code, m.locked ? ' 🔒' : '')),
          h('th', { class: 'num narrow' }, t('results.total')),
          h('th', { class: 'narrow' }, t('results.public')),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((row, i) =>
          h(
            'tr',
            { class: i >= shownFrom ? 'revealed' : i === shownFrom - 1 ? 'next' : null },
            h('td', { class: 'num' }, String(row.rank)),
            h('td', null, award(row.award)),
            h('td', null, h('code', { class: 'team-code' }, row.code)),
            h('td', null, h('strong', null, row.name)),
            h('td', null, row.school),
            row.modules.map((m) => h('td', { class: `num ${m.provisional ? 'provisional' : ''}`, title: m.provisional ? t('results.provisional') : null }, mark(m.score))),
            h('td', { class: `num total ${row.provisional ? 'provisional' : ''}` }, mark(row.total)),
            h('td', { class: 'small' }, i >= shownFrom ? h('span', { class: 'badge ok' }, t('results.shown')) : h('span', { class: 'muted' }, t('results.hidden'))),
          ),
        ),
      ),
    ),
  );
}
