// Small pieces several tabs share.
import { h } from '../dom.js';
import { t, lang } from '../i18n.js';
import { api, contestPath } from '../api.js';

export const STATES = ['draft', 'registration', 'running', 'locked', 'published'];

export function stateBadge(state, size) {
  return h('span', { class: `badge state-${state} ${size || ''}` }, t(`state.${state}`));
}

export function localized(zh, en) {
  return lang() === 'zh' ? zh || en || '' : en || zh || '';
}

/** The contest's modules from its marking scheme ([] when there is none yet). */
export async function modulesOf(slug) {
  try {
    const scheme = await api('GET', contestPath(slug, '/scheme'));
    return scheme.modules || [];
  } catch (problem) {
    if (problem.status === 404) return [];
    throw problem;
  }
}

export function moduleLabel(module) {
  return `${module.code} · ${localized(module.title_zh, module.title_en)}`;
}

/** A button that opens a printable page of the server's in a new tab. */
export function printLink(href, label) {
  return h('a', { class: 'button', href, target: '_blank', rel: 'noopener' }, label);
}

export function toolbar(...children) {
  return h('div', { class: 'toolbar' }, children);
}
