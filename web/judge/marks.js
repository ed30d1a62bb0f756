// Marks in hundredths of a point, as the server keeps them: no float arithmetic on totals.

export function hundredths(value) {
  return Math.round(Number(value) * 100);
}

export function show(h) {
  if (h === null || h === undefined) return '–';
  const sign = h < 0 ? '−' : '';
  const abs = Math.abs(h);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  if (frac === 0) return `${sign}${whole}`;
  if (frac % 10 === 0) return `${sign}${whole}.${frac / 10}`;
  return `${sign}${whole}.${String(frac).padStart(2, '0')}`;
}

/// The step a stepper moves by: the criterion's step, else half a point.
export function stepOf(criterion) {
  const step = criterion.step ? hundredths(criterion.step) : 0;
  return step > 0 ? step : 50;
}

/// Points an answer is worth: a level is level/3 × max, rounded half up to the hundredth.
export function points(criterion, answer) {
  if (!answer) return null;
  if (criterion.kind === 'judgement') {
    if (answer.level === undefined || answer.level === null) return null;
    return Math.floor((2 * answer.level * hundredths(criterion.max_mark) + 3) / 6);
  }
  if (answer.value === undefined || answer.value === null) return null;
  return hundredths(answer.value);
}

export function needsAnswer(criterion) {
  return criterion.kind === 'measurement' || criterion.kind === 'judgement';
}

export function unanswered(criteria, marks) {
  return criteria.filter((c) => needsAnswer(c) && points(c, marks[c.code]) === null);
}

/// The sheet's total: points minus deductions, floored at 0, and what it could reach.
export function total(criteria, marks) {
  let sum = 0;
  let max = 0;
  for (const c of criteria) {
    const p = points(c, marks[c.code]);
    if (c.kind === 'deduction') sum -= p || 0;
    else if (c.kind !== 'imported') {
      sum += p || 0;
      max += hundredths(c.max_mark);
    }
  }
  return { sum: Math.max(0, sum), max };
}

/// Parses what a judge typed ("4.5" or "4,5") into hundredths, or an error code.
export function parseTyped(criterion, text) {
  const cleaned = String(text).trim().replace(',', '.');
  if (cleaned === '') return { empty: true };
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return { error: 'mark.not_a_number' };
  const h = hundredths(cleaned);
  if (h > hundredths(criterion.max_mark)) return { error: 'mark.out_of_range' };
  if (criterion.kind === 'measurement' && criterion.step && h % hundredths(criterion.step) !== 0) {
    return { error: 'mark.off_step' };
  }
  return { value: h };
}
