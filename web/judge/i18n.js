// Chinese and English, switchable, remembered on this device (DESIGN §5).

const KEY = 'skillboard.lang';

const en = {
  app_title: 'Judging',
  language_switch: '中文',
  language_switch_label: 'Switch to Chinese',
  back_modules: '‹ Modules',
  back_teams: '‹ Teams',
  loading: 'Loading…',
  signing_in: 'Signing in…',
  no_link_title: 'Open your judge link',
  no_link_text: 'Open the personal link the organizers gave you, or scan your QR code.',
  pin_title: 'Enter your PIN',
  pin_text: 'Your judge link needs the PIN the organizers gave you. If you were given no PIN, this link is no longer valid: ask the organizers for a new one.',
  pin_wrong: 'That PIN is not right, or the link is no longer valid. Try again, or ask the organizers for a new link.',
  pin_label: 'PIN',
  pin_submit: 'Sign in',
  link_invalid: 'This judge link is not valid (it may have been replaced). Ask the organizers for a new link.',
  too_many_tries: 'Too many tries. Wait a minute and try again.',
  cannot_reach: 'The server cannot be reached. Check the Wi-Fi and try again.',
  try_again: 'Try again',
  session_ended_title: 'Please open your judge link again',
  session_ended_text: 'Your sign-in has ended. Every mark is still safe on this tablet and will be sent after you open your personal link again (ask the organizers if you lost it).',
  offline_no_data: 'No connection, and this tablet has not loaded your modules yet. Connect to the Wi-Fi and try again.',
  conn_online_all_sent: 'Online · nothing waiting to send',
  conn_online_sending: 'Online · sending {n}',
  conn_offline: 'Offline · {n} waiting to send',
  conn_offline_none: 'Offline · marks are kept on this tablet',
  conn_unknown: 'Connecting…',
  modules_title: 'Your modules',
  module_locked: 'Locked: signed off',
  module_open: 'Open for marking',
  module_progress: '{sent} of {total} sent',
  module_imported_only: 'Marks for this module come from the competition platform; there is nothing to mark here.',
  no_modules: 'You are not on any module’s panel yet. Ask the organizers.',
  teams_title: 'Module {code}: teams',
  teams_hint: 'Tap a team to open its score sheet.',
  station: 'Station',
  no_station: 'No station',
  teams_offline: 'Shown as last loaded: the server cannot be reached.',
  state_not_started: 'Not started',
  state_local: 'Draft · only on this tablet',
  state_draft: 'Draft · saved on the server',
  state_waiting: 'Waiting to send',
  state_sent: 'Sent ✓',
  state_locked: 'Locked',
  state_problem: 'Needs attention',
  sync_local: 'Only on this tablet: not sent yet.',
  sync_waiting: 'Saved on this tablet, waiting to send. It will be sent by itself when the network is back.',
  sync_sent: 'Confirmed by the server (version {v}).',
  sync_draft: 'Draft confirmed by the server (version {v}).',
  sync_not_started: 'Nothing entered yet.',
  sync_locked: 'This module is locked: the sheet can no longer be changed.',
  sync_problem: 'The server did not accept this sheet: see above.',
  sheet_team: 'Team {code}',
  kind_measurement: 'Measurement · 0–{max} in steps of {step}',
  kind_judgement: 'Judgement · levels 0–3 · up to {max} points',
  kind_deduction: 'Deduction · optional · up to {max} points',
  kind_imported: 'From the competition platform: not marked by judges',
  level: 'Level {n}',
  points: '{p} pts',
  not_answered: 'Not answered',
  minus: 'Less',
  plus: 'More',
  value_label: 'Mark for {code}',
  comment: 'Comment (optional)',
  total: 'Total',
  of_max: 'of {max}',
  submit: 'Submit sheet',
  submitted_note: 'Submitted. Only the chief judge can reopen a submitted sheet.',
  next_team: 'Next team ›',
  confirm_title: 'Submit team {code}?',
  confirm_unanswered: 'These criteria are not answered yet. Answer them before submitting:',
  confirm_summary: 'Check the marks before you submit:',
  confirm_submit: 'Yes, submit',
  confirm_back: 'Back to the sheet',
  deduction_none: 'no deduction',
  'mark.not_a_number': 'Type a number such as 4.5.',
  'mark.out_of_range': 'Above the maximum.',
  'mark.off_step': 'Use steps of {step}.',
  problem_title: 'Not accepted by the server',
  'problem.sheet.module_locked': 'Module {module} has been signed off (locked) by the chief judge, so the server did not accept this sheet. Your marks are still on this tablet. Tell the chief judge: only they can reopen the module; then tap “Try again”.',
  'problem.sheet.stale_version': 'The server has a newer version of this sheet (for example, the chief judge reopened it). Your marks were not sent. Load the server’s version, check the marks, and submit again.',
  'problem.sheet.other_device': 'A sheet for team {team} was already started on another device. Only one sheet per team counts. Load that sheet here and continue, or finish it on the other device.',
  'problem.contest.not_running': 'Scoring is not open right now. Your marks are kept on this tablet; tap “Try again” when the organizers open scoring.',
  'problem.validation.failed': 'Some marks were refused. Correct them and submit again:',
  'problem.judge.not_on_panel': 'You are not on the panel of module {module}. Ask the organizers.',
  'problem.team.not_found': 'The server knows no team {team} in your contest. Ask the organizers.',
  'problem.sheet.id_reused': 'This sheet’s id is already used by another sheet. Load the server’s sheet for this team.',
  load_server: 'Load the server’s version',
  'field.sheet.unanswered': 'not answered',
  'field.mark.off_step': 'not on a step',
  'field.mark.out_of_range': 'out of range',
};

const zh = {
  app_title: '评分',
  language_switch: 'English',
  language_switch_label: '切换到英文',
  back_modules: '‹ 模块',
  back_teams: '‹ 参赛队',
  loading: '正在加载…',
  signing_in: '正在登录…',
  no_link_title: '请打开您的评委链接',
  no_link_text: '请打开组委会发给您的个人链接，或扫描您的二维码。',
  pin_title: '请输入 PIN 码',
  pin_text: '您的评委链接需要组委会提供的 PIN 码。如果您没有 PIN 码，说明此链接已失效，请向组委会索取新链接。',
  pin_wrong: 'PIN 码不正确，或链接已失效。请重试，或向组委会索取新链接。',
  pin_label: 'PIN 码',
  pin_submit: '登录',
  link_invalid: '此评委链接无效（可能已被更换）。请向组委会索取新链接。',
  too_many_tries: '尝试次数过多，请稍等一分钟再试。',
  cannot_reach: '无法连接服务器。请检查 Wi-Fi 后重试。',
  try_again: '重试',
  session_ended_title: '请重新打开您的评委链接',
  session_ended_text: '您的登录已过期。所有分数仍安全保存在本平板上，重新打开个人链接后会自动发送（如链接遗失请联系组委会）。',
  offline_no_data: '没有网络，且本平板尚未加载您的模块。请连接 Wi-Fi 后重试。',
  conn_online_all_sent: '在线 · 没有待发送的评分',
  conn_online_sending: '在线 · 正在发送 {n} 份',
  conn_offline: '离线 · {n} 份等待发送',
  conn_offline_none: '离线 · 分数保存在本平板',
  conn_unknown: '正在连接…',
  modules_title: '您的评分模块',
  module_locked: '已锁定（已签核）',
  module_open: '可以评分',
  module_progress: '已发送 {sent} / {total}',
  module_imported_only: '本模块分数来自竞赛平台，无需评委评分。',
  no_modules: '您尚未被分配到任何模块的评委组，请联系组委会。',
  teams_title: '模块 {code}：参赛队',
  teams_hint: '点击参赛队，打开评分表。',
  station: '工位',
  no_station: '无工位',
  teams_offline: '无法连接服务器，显示的是上次加载的内容。',
  state_not_started: '未开始',
  state_local: '草稿 · 仅在本平板',
  state_draft: '草稿 · 已存服务器',
  state_waiting: '等待发送',
  state_sent: '已发送 ✓',
  state_locked: '已锁定',
  state_problem: '需要处理',
  sync_local: '仅保存在本平板，尚未发送。',
  sync_waiting: '已保存在本平板，等待发送。网络恢复后会自动发送。',
  sync_sent: '服务器已确认（第 {v} 版）。',
  sync_draft: '服务器已确认草稿（第 {v} 版）。',
  sync_not_started: '尚未评分。',
  sync_locked: '本模块已锁定，评分表不能再修改。',
  sync_problem: '服务器未接受此评分表，请看上方说明。',
  sheet_team: '参赛队 {code}',
  kind_measurement: '测量评分 · 0–{max} 分，步长 {step}',
  kind_judgement: '评价评分 · 等级 0–3 · 最高 {max} 分',
  kind_deduction: '扣分 · 可不填 · 最多 {max} 分',
  kind_imported: '来自竞赛平台，评委无需评分',
  level: '等级 {n}',
  points: '{p} 分',
  not_answered: '未评分',
  minus: '减少',
  plus: '增加',
  value_label: '{code} 的分数',
  comment: '备注（可不填）',
  total: '合计',
  of_max: '满分 {max}',
  submit: '提交评分表',
  submitted_note: '已提交。已提交的评分表只能由裁判长重新打开。',
  next_team: '下一队 ›',
  confirm_title: '提交参赛队 {code} 的评分？',
  confirm_unanswered: '以下评分项尚未评分，请先完成再提交：',
  confirm_summary: '提交前请核对分数：',
  confirm_submit: '确认提交',
  confirm_back: '返回评分表',
  deduction_none: '不扣分',
  'mark.not_a_number': '请输入数字，例如 4.5。',
  'mark.out_of_range': '超过满分。',
  'mark.off_step': '请按 {step} 的步长评分。',
  problem_title: '服务器未接受',
  'problem.sheet.module_locked': '模块 {module} 已由裁判长签核锁定，服务器没有接受此评分表。您的分数仍保存在本平板上。请告知裁判长：只有裁判长可以重新打开模块，之后点击“重试”。',
  'problem.sheet.stale_version': '服务器上有此评分表的更新版本（例如裁判长重新打开了它）。您的分数尚未发送。请加载服务器版本，核对后重新提交。',
  'problem.sheet.other_device': '参赛队 {team} 的评分表已在另一台设备上开始。每队只算一份评分表。请在此加载该评分表继续，或在另一台设备上完成。',
  'problem.contest.not_running': '目前未开放评分。分数保存在本平板上；组委会开放评分后请点击“重试”。',
  'problem.validation.failed': '部分分数被拒绝，请修改后重新提交：',
  'problem.judge.not_on_panel': '您不在模块 {module} 的评委组中，请联系组委会。',
  'problem.team.not_found': '服务器上没有参赛队 {team}，请联系组委会。',
  'problem.sheet.id_reused': '此评分表编号已被其他评分表使用。请加载服务器上该队的评分表。',
  load_server: '加载服务器版本',
  'field.sheet.unanswered': '未评分',
  'field.mark.off_step': '不符合步长',
  'field.mark.out_of_range': '超出范围',
};

const tables = { en, zh };

function initial() {
  const saved = localStorage.getItem(KEY);
  if (saved && tables[saved]) return saved;
  return (navigator.language || '').toLowerCase().startsWith('en') ? 'en' : 'zh';
}

let current = initial();
document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';

export function lang() {
  return current;
}

export function setLang(next) {
  current = tables[next] ? next : 'zh';
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

export function has(key) {
  return key in tables[current];
}

export function t(key, params = {}) {
  const text = tables[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/// A text from the marking scheme in the chosen language, falling back to Chinese.
export function pick(zhText, enText) {
  return current === 'en' && enText ? enText : zhText;
}
