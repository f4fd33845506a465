// Words and numbers for people: English ordinals, thousands separators, distances in metres or
// km, times in minutes with the travel mode, and ranks that do not pretend ties are ordered.
// Pure functions: unit-tested with node --test.

/** English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th. */
export function ordinal(n) {
  const i = Math.trunc(Number(n));
  if (!Number.isFinite(i)) return String(n);
  const v = Math.abs(i) % 100;
  if (v >= 11 && v <= 13) return `${i}th`;
  return `${i}${{ 1: 'st', 2: 'nd', 3: 'rd' }[v % 10] ?? 'th'}`;
}

/** A number with thousands separators (en-GB) and a fixed number of decimals. */
export function formatNumber(v, decimals = 0) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'no data';
  return v.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A distance in metres for people: "850 m" below 1 km, otherwise "2.3 km" ("12 km" from 10 km). */
export function formatDistance(metres) {
  if (typeof metres !== 'number' || !Number.isFinite(metres)) return 'no data';
  if (Math.abs(metres) < 1000) return `${formatNumber(Math.round(metres / 10) * 10)} m`;
  const km = metres / 1000;
  return `${formatNumber(km, Math.abs(km) < 10 ? 1 : 0)} km`;
}

/** Words for a travel mode id: 'walk' -> 'walk', 'drive' / 'car' / 'driving' -> 'drive'. */
export function modeWord(mode) {
  const m = String(mode ?? '').toLowerCase();
  if (/walk|foot/.test(m)) return 'walk';
  if (/driv|car/.test(m)) return 'drive';
  if (/cycl|bike/.test(m)) return 'cycle';
  if (/bus|transit|public/.test(m)) return 'public transport';
  return '';
}

/** A travel time: "12 minutes", "1 minute", with the mode when known: "12 minutes (drive)". */
export function formatMinutes(minutes, mode = '') {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) return 'no data';
  const n = Math.round(minutes);
  const word = modeWord(mode);
  return `${formatNumber(n)} ${n === 1 ? 'minute' : 'minutes'}${word ? ` (${word})` : ''}`;
}

/**
 * Rank of a value for people. `rank` = 1 + number of areas with more need, `tied` = number of
 * areas with the same value (including this one), `of` = areas ranked, `plural` e.g. "wards".
 * A unique value: "Ranked 3rd of 30 wards (1st = most need)". A tie: "One of 4 wards tied
 * at 3rd of 30 (1st = most need)" — never a rank that orders equal values.
 */
export function rankText({ rank, tied = 1, of, plural }) {
  if (!Number.isFinite(rank) || !Number.isFinite(of)) return '';
  if (tied > 1) return `One of ${formatNumber(tied)} ${plural} tied at ${ordinal(rank)} of ${formatNumber(of)} (1st = most need)`;
  return `Ranked ${ordinal(rank)} of ${formatNumber(of)} ${plural} (1st = most need)`;
}

/**
 * A decile value for people: "one of 104 LSOAs in decile 1" when `count` areas share it.
 */
export function decileText(decile, count, plural) {
  if (!Number.isFinite(decile)) return '';
  return `One of ${formatNumber(count)} ${plural} in decile ${Math.round(decile)}`;
}
