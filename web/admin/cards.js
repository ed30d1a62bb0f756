// Printable judge cards: name, QR code and personal link. Links are shown only when the server
// issues them, so the cards of this visit are kept in memory (never stored) until the page closes.
import { h, replace } from './dom.js';
import { t } from './i18n.js';

const issued = new Map();

export function remember(slug, judgeWithLink) {
  const list = (issued.get(slug) || []).filter((x) => x.id !== judgeWithLink.id);
  list.push(judgeWithLink);
  issued.set(slug, list);
}

export function forget(slug, judgeId) {
  issued.set(slug, (issued.get(slug) || []).filter((x) => x.id !== judgeId));
}

export function issuedCards(slug) {
  return (issued.get(slug) || []).slice();
}

/** The QR code as an image: the server's SVG goes into a data: URL, never into the DOM as markup. */
export function qrImage(svg, alt) {
  return h('img', { class: 'qr', alt, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
}

function card(judge, contestTitle) {
  return h(
    'article',
    { class: 'judge-card' },
    h('header', null, h('span', { class: 'card-contest' }, contestTitle), judge.is_chief ? h('span', { class: 'badge chief' }, t('judges.chief')) : null),
    h('h2', null, judge.name),
    judge.organization ? h('p', { class: 'card-org' }, judge.organization) : null,
    qrImage(judge.qr_svg, t('cards.qr_alt', { name: judge.name })),
    h('p', { class: 'card-modules' }, judge.modules && judge.modules.length ? `${t('judges.modules')}: ${judge.modules.join(', ')}` : ''),
    h('p', { class: 'card-link' }, judge.link),
    h('p', { class: 'card-hint' }, judge.has_pin ? t('cards.hint_pin') : t('cards.hint')),
  );
}

/** A full-screen sheet of cards with Print and Close; print CSS prints only the cards. */
export function openCards(judges, contestTitle) {
  const sheet = document.getElementById('print-area');
  const close = h('button', { class: 'ghost' }, t('common.close'));
  const print = h('button', { class: 'primary' }, t('cards.print'));
  print.addEventListener('click', () => window.print());
  close.addEventListener('click', () => {
    replace(sheet);
    sheet.hidden = true;
    document.body.classList.remove('printing-cards');
  });
  replace(
    sheet,
    h('div', { class: 'print-toolbar no-print' }, h('strong', null, t('cards.title', { n: judges.length })), h('span', { class: 'muted' }, t('cards.once')), h('span', { class: 'grow' }), print, close),
    h('div', { class: 'card-grid' }, judges.map((j) => card(j, contestTitle))),
  );
  sheet.hidden = false;
  document.body.classList.add('printing-cards');
  print.focus();
}
