// A scenario's edits as the panel builds them: new documents, ids, new edits with their input
// checked, undo/redo, and each edit in words. The JSON is the scenario contract (README,
// "Scenarios"): `{needmap_scenario: 1, id, name, version, edits: [{op: add|move|close|capacity}]}`.
// Pure functions (no DOM): unit-tested with node --test.

export const SCHEMA = 1;
export const MAX_EDITS = 10000;
const ID = /^[a-z0-9_-]{1,64}$/;

/** A scenario id from a name: lower case, runs of other characters as one '-', at most 64. */
export function slugify(name) {
  const s = String(name ?? '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
  return s || 'scenario';
}

/** Whether `id` is a valid scenario id (1-64 of a-z, 0-9, '_' and '-'). */
export function isScenarioId(id) { return typeof id === 'string' && ID.test(id); }

/** `id`, or `id-2`, `id-3`, ... (kept within 64 characters), whichever is not in `taken`. */
export function freeId(id, taken) {
  const used = new Set(taken);
  if (!used.has(id)) return id;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${id.slice(0, 64 - suffix.length)}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** A new scenario document with no edits (the store sets the version). */
export function newScenario(name, taken = []) {
  const clean = String(name ?? '').trim();
  if (!clean) throw new Error('Give the scenario a name.');
  return { needmap_scenario: SCHEMA, id: freeId(slugify(clean), taken), name: clean, edits: [] };
}

/** The ids of the sites the edits add, in order. */
export function addedIds(edits) {
  return edits.flatMap((e, i) => (e.op === 'add' ? [e.id ?? `scenario-${i + 1}`] : []));
}

/** An id for a new site that no earlier add used: `new-site-<n>`. */
export function nextSiteId(edits) {
  const used = new Set(addedIds(edits));
  for (let n = 1; ; n++) if (!used.has(`new-site-${n}`)) return `new-site-${n}`;
}

function finite(x) { return typeof x === 'number' && Number.isFinite(x); }

/** Check a map position: finite lon -180..180 and lat -90..90. Returns { lon, lat } or throws. */
export function checkLonLat(lon, lat) {
  if (!finite(lon) || !finite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    throw new Error('That position is not on the map: longitude must be within ±180 and latitude within ±90.');
  }
  return { lon, lat };
}

/** Check a capacity typed by a person: a finite number of at least 0. */
export function checkCapacity(text) {
  const s = String(text ?? '').trim();
  const v = s === '' ? 1 : Number(s);
  if (!finite(v) || v < 0) throw new Error('Capacity must be a number of at least 0 (1 = one ordinary site).');
  return v;
}

/**
 * An `add` edit. `site`: { name, category, tier ('' = the category's tier), capacity (text),
 * and the place: lon, lat, or `place` = { postcode } or { easting, northing } (js/scenario/place.js;
 * the server looks the postcode up) }; its id is the next free `new-site-<n>` of `edits`.
 */
export function addEdit(edits, site) {
  const name = String(site.name ?? '').trim();
  if (!name) throw new Error('Give the new site a name.');
  if (!site.category) throw new Error('Choose the category of the new site.');
  const place = site.place ? checkPlace(site.place) : checkLonLat(site.lon, site.lat);
  const edit = { op: 'add', id: nextSiteId(edits), name, category: site.category };
  if (site.tier) edit.tier = String(site.tier);
  edit.capacity = checkCapacity(site.capacity);
  return Object.assign(edit, place);
}

/** Check a place that is not lon/lat: { postcode } or finite { easting, northing }. */
export function checkPlace(place) {
  if (typeof place.postcode === 'string' && place.postcode.trim()) return { postcode: place.postcode.trim() };
  if (finite(place.easting) && finite(place.northing)) return { easting: place.easting, northing: place.northing };
  throw new Error('That place is neither a postcode nor an easting and northing.');
}

/** A `move` edit of service `service` to lon/lat. */
export function moveEdit(service, lon, lat) {
  return { op: 'move', service, ...checkLonLat(lon, lat) };
}

/** A `close` edit of service `service`. */
export function closeEdit(service) { return { op: 'close', service }; }

/** A `capacity` edit of service `service`. */
export function capacityEdit(service, capacity) {
  return { op: 'capacity', service, capacity: checkCapacity(capacity) };
}

/** Service ids the edits close. */
export function closedIds(edits) {
  return new Set(edits.filter((e) => e.op === 'close').map((e) => e.service));
}

/**
 * Undo and redo over a list of edits. `push` adds an edit and forgets what was undone;
 * `undo` takes the last edit off (kept for `redo`). Each returns the new list of edits;
 * the history itself is never shared with the caller's arrays.
 */
export class EditHistory {
  constructor(edits = []) {
    this.edits = [...edits];
    this.undone = [];
  }

  push(edit) {
    if (this.edits.length >= MAX_EDITS) throw new Error(`A scenario can have at most ${MAX_EDITS.toLocaleString('en-GB')} edits.`);
    if (edit.op !== 'add' && closedIds(this.edits).has(edit.service)) {
      throw new Error('That site is already closed in this scenario: undo the closure first.');
    }
    this.edits.push(edit);
    this.undone = [];
    return [...this.edits];
  }

  canUndo() { return this.edits.length > 0; }

  canRedo() { return this.undone.length > 0; }

  undo() {
    if (this.edits.length > 0) this.undone.push(this.edits.pop());
    return [...this.edits];
  }

  redo() {
    if (this.undone.length > 0) this.edits.push(this.undone.pop());
    return [...this.edits];
  }

  /** A copy of the history, for `restore` when a save fails. */
  snapshot() { return { edits: [...this.edits], undone: [...this.undone] }; }

  restore(snapshot) {
    this.edits = [...snapshot.edits];
    this.undone = [...snapshot.undone];
  }

  /** Go back to `edits` (a save failed, or another copy was loaded): nothing to redo. */
  reset(edits) {
    this.edits = [...edits];
    this.undone = [];
  }
}

function placeWords(e) {
  if (finite(e.lon) && finite(e.lat)) return `${e.lat.toFixed(4)}° N, ${Math.abs(e.lon).toFixed(4)}° ${e.lon < 0 ? 'W' : 'E'}`;
  if (finite(e.easting) && finite(e.northing)) return `grid ${Math.round(e.easting)} E, ${Math.round(e.northing)} N`;
  if (e.postcode) return `postcode ${e.postcode}`;
  return 'no place';
}

/**
 * One edit in words. `names` maps a service id to { name, category label } where known;
 * `categoryLabel` turns a category id into its label.
 */
export function describeEdit(edit, { names = new Map(), categoryLabel = (c) => c } = {}) {
  const who = (id) => names.get(id)?.name ?? id;
  switch (edit.op) {
    case 'add': {
      const cap = finite(edit.capacity) && edit.capacity !== 1 ? `, capacity ${edit.capacity.toLocaleString('en-GB')}` : '';
      return `Open ${edit.name} (${categoryLabel(edit.category)}${cap}) at ${placeWords(edit)}`;
    }
    case 'move': return `Move ${who(edit.service)} to ${placeWords(edit)}`;
    case 'close': return `Close ${who(edit.service)}`;
    case 'capacity': return `Set the capacity of ${who(edit.service)} to ${Number(edit.capacity).toLocaleString('en-GB')}`;
    default: return `Unknown edit “${edit.op}”`;
  }
}
