// Colouring the GeoJSON areas through MapLibre feature state.
//
// A `setData` re-tiles every area in the worker (about a second for 1,500 output areas), but
// after a scenario edit only the attributes change, never the boundaries. So the fill colour of
// the GeoJSON layer reads its inputs from feature state (keyed by the area code, the source's
// `promoteId`): the colour expressions of layers.js are written with `['get', field]` and turned
// into `['feature-state', field]` here, the fields' values are set as each area's state, and a
// new table over the same boundaries only updates states (no re-tiling).

/**
 * `expression` with every `['get', field]` read from feature state instead, and the fields it
 * reads. Constants (a plain colour) come back unchanged with no fields.
 *
 * ```js
 * stateExpression(['step', ['get', 'x'], '#fff', 1, '#000'])
 * // => { expression: ['step', ['feature-state', 'x'], '#fff', 1, '#000'], fields: ['x'] }
 * ```
 */
export function stateExpression(expression) {
  const fields = new Set();
  const walk = (e) => {
    if (!Array.isArray(e)) return e;
    if (e[0] === 'get' && e.length === 2 && typeof e[1] === 'string') {
      fields.add(e[1]);
      return ['feature-state', e[1]];
    }
    return e.map(walk);
  };
  return { expression: walk(expression), fields: [...fields] };
}

/**
 * The state of each feature for `fields`: `[id, { field: value }]`, id = the `idField`
 * property. Missing or non-finite numbers become null, so `['typeof', ...]` tests see no data.
 */
export function featureStates(features, fields, idField = 'code') {
  const out = [];
  for (const f of features) {
    const p = f.properties || {};
    const id = p[idField];
    if (id === undefined || id === null) continue;
    const state = {};
    for (const k of fields) {
      const v = p[k];
      state[k] = v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v;
    }
    out.push([id, state]);
  }
  return out;
}

/**
 * True when `b` has the same areas, in the same order and with the very same geometry objects,
 * as `a` (so the tiles of `a` draw `b` too): the check is by identity, O(n).
 */
export function sameShapes(a, b, idField = 'code') {
  if (!a || !b || a.features.length !== b.features.length) return false;
  for (let i = 0; i < a.features.length; i++) {
    const x = a.features[i];
    const y = b.features[i];
    if (x.geometry !== y.geometry || x.properties?.[idField] !== y.properties?.[idField]) return false;
  }
  return true;
}

/**
 * The states of `featureStates(features, fields)` that differ from what the map already holds,
 * so that only those are sent (MapLibre then updates the colours of those features only).
 * `painted` is a Map id -> state of what was sent for the same `fields` (or null: send all);
 * it is updated in place with what is returned.
 *
 * ```js
 * const painted = new Map();
 * changedStates([{ properties: { code: 'A', x: 1 } }], ['x'], painted); // => [['A', { x: 1 }]]
 * changedStates([{ properties: { code: 'A', x: 1 } }], ['x'], painted); // => []
 * ```
 */
export function changedStates(features, fields, painted) {
  const all = featureStates(features, fields);
  if (!painted) return all;
  const out = [];
  for (const [id, state] of all) {
    const before = painted.get(id);
    if (before && fields.every((k) => Object.is(before[k], state[k]))) continue;
    painted.set(id, state);
    out.push([id, state]);
  }
  return out;
}
