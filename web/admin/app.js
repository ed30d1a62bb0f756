// The organizer console: sign-in, the contest sidebar, and one tab per part of a contest.
// Routes live in the hash: #/c/{slug}/{tab}, #/new, #/accounts.
import { api, contestPath, whenSignedOut } from './api.js';
import { h, replace } from './dom.js';
import { t, lang, setLang, applyStatic, errorText, onLangChange } from './i18n.js';
import { showProblem, clearProblems, busy, loading, failed, notice } from './ui.js';
import { stateBadge } from './views/common.js';
import * as overview from './views/overview.js';
import * as scheme from './views/scheme.js';
import * as registration from './views/registration.js';
import * as draw from './views/draw.js';
import * as judges from './views/judges.js';
import * as review from './views/review.js';
import * as results from './views/results.js';
import * as exportsView from './views/exports.js';
import * as appeals from './views/appeals.js';
import * as audit from './views/audit.js';
import * as newContest from './views/new-contest.js';
import * as accounts from './views/accounts.js';

const TABS = [
  ['overview', overview],
  ['scheme', scheme],
  ['registration', registration],
  ['draw', draw],
  ['judges', judges],
  ['review', review],
  ['results', results],
  ['exports', exportsView],
  ['appeals', appeals],
  ['audit', audit],
];

const app = {
  me: null,
  contests: [],
  cleanup: null,
};

const $ = (id) => document.getElementById(id);

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'c' && parts[1]) return { view: 'contest', slug: parts[1], tab: parts[2] || 'overview' };
  if (parts[0] === 'new') return { view: 'new' };
  if (parts[0] === 'accounts') return { view: 'accounts' };
  return { view: 'home' };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function start() {
  applyStatic();
  $('lang').value = lang();
  $('lang').addEventListener('change', (e) => setLang(e.target.value));
  onLangChange(() => {
    applyStatic();
    if (app.me) {
      renderTopbar();
      renderSidebar();
      render();
    }
  });
  whenSignedOut(() => showSignIn());
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => render());
  try {
    app.me = await api('GET', '/auth/me');
    await enter();
  } catch {
    showSignIn();
  }
}

function showSignIn() {
  app.me = null;
  stopView();
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-form').querySelector('input[name=username]').focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblems(form);
  const data = new FormData(form);
  try {
    await busy(form.querySelector('button[type=submit]'), () =>
      api('POST', '/auth/login', { json: { username: data.get('username'), password: data.get('password') } }),
    );
    app.me = await api('GET', '/auth/me');
    form.reset();
    await enter();
  } catch (problem) {
    showProblem(form, problem);
  }
}

async function signOut() {
  try {
    await api('POST', '/auth/logout');
  } catch {
    // Signed out either way: the session is gone or was already.
  }
  showSignIn();
}

async function enter() {
  $('signin').hidden = true;
  $('app').hidden = false;
  renderTopbar();
  await loadContests();
  render();
}

function renderTopbar() {
  const me = app.me;
  const org = me.organization ? ` · ${me.organization.name}` : '';
  $('who').textContent = `${me.display_name}${org}`;
}

export async function loadContests() {
  try {
    app.contests = await api('GET', '/contests');
  } catch (problem) {
    app.contests = [];
    notice(errorText(problem.code, problem.message), 'error');
  }
  renderSidebar();
}

function title(contest) {
  return (lang() === 'zh' ? contest.title_zh || contest.title_en : contest.title_en || contest.title_zh) || contest.slug;
}

function renderSidebar() {
  const current = route();
  const items = app.contests.map((c) =>
    h(
      'li',
      null,
      h(
        'a',
        {
          href: `#/c/${encodeURIComponent(c.slug)}/overview`,
          class: current.slug === c.slug ? 'active' : null,
        },
        h('span', { class: 'contest-title' }, title(c)),
        h('span', { class: 'contest-meta' }, h('code', null, c.slug), ' ', stateBadge(c.state)),
      ),
    ),
  );
  replace(
    $('sidebar'),
    h('div', { class: 'sidebar-head' }, h('h2', null, t('side.contests')), h('a', { class: 'button small', href: '#/new' }, t('side.new'))),
    items.length ? h('ul', { class: 'contest-list' }, items) : h('p', { class: 'muted pad' }, t('side.none')),
    app.me.is_admin
      ? h('div', { class: 'sidebar-foot' }, h('a', { href: '#/accounts', class: current.view === 'accounts' ? 'active' : null }, t('side.accounts')))
      : null,
  );
}

function stopView() {
  if (app.cleanup) app.cleanup();
  app.cleanup = null;
}

async function render() {
  if (!app.me) return;
  stopView();
  const r = route();
  renderSidebar();
  const main = $('main');
  if (r.view === 'new') {
    replace(main, newContest.render({ me: app.me, onCreated: async (c) => { await loadContests(); go(`#/c/${encodeURIComponent(c.slug)}/overview`); } }));
    return;
  }
  if (r.view === 'accounts') {
    replace(main, accounts.render({ me: app.me }));
    return;
  }
  if (r.view === 'home') {
    if (app.contests.length) {
      go(`#/c/${encodeURIComponent(app.contests[0].slug)}/overview`);
      return;
    }
    replace(main, h('section', { class: 'card welcome' }, h('h1', null, t('home.title')), h('p', null, t('home.empty')), h('a', { class: 'button primary', href: '#/new' }, t('side.new'))));
    return;
  }
  replace(main, loading());
  let contest;
  try {
    contest = await api('GET', contestPath(r.slug));
  } catch (problem) {
    replace(main, failed(problem));
    return;
  }
  const tab = TABS.find(([name]) => name === r.tab) || TABS[0];
  const body = h('div', { class: 'tab-body' });
  const ctx = {
    slug: r.slug,
    contest,
    me: app.me,
    // After a change to the contest itself (state, details): reload it and redraw this tab.
    reload: async () => {
      await loadContests();
      render();
    },
    onCleanup: (fn) => {
      const before = app.cleanup;
      app.cleanup = () => {
        if (before) before();
        fn();
      };
    },
  };
  replace(
    main,
    h(
      'header',
      { class: 'contest-head' },
      h('div', null, h('h1', null, title(contest)), h('p', { class: 'muted' }, h('code', null, contest.slug), contest.venue ? ` · ${contest.venue}` : '')),
      stateBadge(contest.state, 'large'),
    ),
    h(
      'nav',
      { class: 'tabs', role: 'tablist' },
      TABS.map(([name]) =>
        h('a', { href: `#/c/${encodeURIComponent(r.slug)}/${name}`, role: 'tab', class: name === tab[0] ? 'active' : null, 'aria-selected': name === tab[0] ? 'true' : 'false' }, t(`tab.${name}`)),
      ),
    ),
    body,
  );
  try {
    const node = await tab[1].render(ctx);
    if (route().slug === r.slug && route().tab === r.tab) replace(body, node);
  } catch (problem) {
    replace(body, failed(problem));
  }
}

start();
