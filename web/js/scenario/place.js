// A place typed by a person, for a new site: a postcode ("BD1 1HY"), British National Grid
// easting and northing in metres ("416000, 433000") or an OS grid reference ("SE 16000 33000",
// "SE1600033000", "SE 160 330"). The answer is the place fields of a scenario edit
// (`{ postcode }` or `{ easting, northing }`, src/scenario/model.rs `Place`); the server looks
// the postcode up. Bad input throws a PlaceError whose message names what was typed and what
// to type instead. Pure functions (no DOM): unit-tested with node --test.

/** What to type, in the words of every message. */
export const PLACE_HELP = 'Type a postcode (“BD1 1HY”), a grid reference (“SE 16000 33000”) or an easting and northing in metres (“416000, 433000”).';

/** The extent of the British National Grid (EPSG:27700) in metres: 0-700 km east, 0-1,300 km north. */
export const GRID_EXTENT = { easting: 700000, northing: 1300000 };

/** Input that is not a place. */
export class PlaceError extends Error {}

// Outward code (area letters, district digit, optional digit or letter), inward code (digit, two letters).
const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?) *([0-9][A-Z]{2})$/;
const OUTWARD = /^[A-Z]{1,2}[0-9][A-Z0-9]?$/;
const GRID_REF = /^([A-Z])([A-Z]) *([0-9 ]*)$/;
const NUMBER = '([+-]?[0-9]+(?:\\.[0-9]+)?)';
const PAIR = new RegExp(`^${NUMBER} *(?:[, ;] *)${NUMBER}$`);

function quoted(text) { return `“${text}”`; }

/**
 * The 100 km square of a pair of grid letters: { e, n } in units of 100 km, or null. The first
 * letter is a 500 km square (only H, J, N, O, S and T cover Great Britain), the second a
 * 100 km square inside it; both run A-Z without I in rows of five from the north-west.
 */
export function gridSquare(first, second) {
  const index = (ch) => {
    const i = ch.charCodeAt(0) - 65;
    if (i < 0 || i > 25 || ch === 'I') return null;
    return i > 8 ? i - 1 : i; // I is skipped
  };
  const a = index(first);
  const b = index(second);
  if (a === null || b === null || !'HJNOST'.includes(first)) return null;
  const e = ((a % 5) - 2) * 5 + (b % 5);
  const n = (3 - Math.floor(a / 5)) * 5 + (4 - Math.floor(b / 5));
  if (e < 0 || e >= 7 || n < 0 || n >= 13) return null;
  return { e, n };
}

/**
 * An OS grid reference as { easting, northing } in metres: the south-west corner of the square
 * it names (1 m for ten digits, 10 m for eight, 100 m for six, 1 km for four).
 */
export function parseGridReference(text) {
  const t = String(text ?? '').trim().toUpperCase();
  const m = GRID_REF.exec(t);
  if (!m) throw new PlaceError(`${quoted(text)} is not a grid reference. A grid reference is two letters and then the easting and northing digits, such as “SE 16000 33000” or “SE 160 330”.`);
  const square = gridSquare(m[1], m[2]);
  if (!square) {
    throw new PlaceError(`${quoted(text)}: ${m[1]}${m[2]} is not a 100 km square of the British National Grid (they run from SV in the south-west to HP in the north). ${PLACE_HELP}`);
  }
  const groups = m[3].trim().split(/ +/).filter(Boolean);
  let e;
  let n;
  if (groups.length === 2 && groups[0].length === groups[1].length) {
    [e, n] = groups;
  } else if (groups.length <= 1) {
    const digits = groups[0] ?? '';
    if (digits.length % 2 !== 0) {
      throw new PlaceError(`${quoted(text)} has ${digits.length} digits after the letters: a grid reference has as many digits for the easting as for the northing (an even number, such as “SE 16000 33000”).`);
    }
    e = digits.slice(0, digits.length / 2);
    n = digits.slice(digits.length / 2);
  } else {
    throw new PlaceError(`${quoted(text)}: the easting and northing of a grid reference have the same number of digits (“SE 16000 33000”, not “SE 1600 330”).`);
  }
  if (e.length < 2 || e.length > 5) {
    throw new PlaceError(`${quoted(text)} ${e.length < 2 ? 'is too coarse to place a site' : 'has too many digits'}: give 2 to 5 digits each for the easting and northing, such as “SE 160 330” (100 m) or “SE 16000 33000” (1 m).`);
  }
  const scale = 10 ** (5 - e.length);
  return { easting: square.e * 100000 + Number(e) * scale, northing: square.n * 100000 + Number(n) * scale };
}

/** Easting and northing in metres, typed as two numbers: { easting, northing }. */
export function parseEastingNorthing(text) {
  const t = String(text ?? '').trim();
  const m = PAIR.exec(t);
  if (!m) throw new PlaceError(`${quoted(text)} is not an easting and northing. Type the two numbers in metres with a comma between them, such as “416000, 433000”.`);
  const easting = Number(m[1]);
  const northing = Number(m[2]);
  const degrees = /\./.test(t) && Math.abs(easting) <= 90 && Math.abs(northing) <= 180;
  if (degrees) {
    throw new PlaceError(`${quoted(text)} looks like latitude and longitude in degrees. Places here are on the British National Grid, in metres. ${PLACE_HELP}`);
  }
  if (!(easting >= 0 && easting < GRID_EXTENT.easting && northing >= 0 && northing < GRID_EXTENT.northing)) {
    throw new PlaceError(`${quoted(text)} is not on the British National Grid: the easting is 0 to 700,000 metres and the northing 0 to 1,300,000 metres (easting first), such as “416000, 433000”.`);
  }
  return { easting, northing };
}

/** A postcode in its usual form ("BD1 1HY"), or null when `text` is not a full postcode. */
export function normalisePostcode(text) {
  const m = POSTCODE.exec(String(text ?? '').trim().toUpperCase());
  return m ? `${m[1]} ${m[2]}` : null;
}

/**
 * The place fields of an edit from what a person typed: { postcode } or { easting, northing }.
 * Throws a PlaceError naming the input and what to type instead.
 */
export function parsePlace(text) {
  const raw = String(text ?? '');
  const t = raw.trim().toUpperCase();
  if (!t) throw new PlaceError(`Type where the new site goes. ${PLACE_HELP}`);
  const postcode = normalisePostcode(t);
  if (postcode) return { postcode };
  // "BD1" or "SE16" (no space, 1-2 digits): half a postcode; a grid reference that short would
  // be a 10 km square or coarser, too coarse to place a site anyway.
  if (OUTWARD.test(t)) {
    throw new PlaceError(`${quoted(raw.trim())} is only the first half of a postcode: type the whole postcode, such as “${t} 1AA”, or a grid reference or easting and northing.`);
  }
  if (/^[A-Z]{2} *[0-9 ]*$/.test(t)) return parseGridReference(raw.trim());
  if (/^[+-]?[0-9.]+ *[, ;] *[+-]?[0-9.]+$/.test(t)) return parseEastingNorthing(raw.trim());
  throw new PlaceError(`${quoted(raw.trim())} is not a postcode, a grid reference or an easting and northing. ${PLACE_HELP}`);
}

/** A place in words, for messages, as the edit list says it: "postcode BD1 1HY" or "grid 416000 E, 433000 N". */
export function placeInWords(place) {
  if (place?.postcode) return `postcode ${place.postcode}`;
  return `grid ${Math.round(place.easting)} E, ${Math.round(place.northing)} N`;
}
