// The sites a scenario touches, for the map overlay: new sites (draggable), moved sites with a
// dashed line from where they were, and closed sites (a cross). Pure functions (no DOM).

function point(lon, lat, properties) {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
}

/**
 * Replay the edits over the baseline positions. `baseline`: Map service id -> { lon, lat,
 * name, category } (the published service points). Returns a FeatureCollection of points
 * (`kind` = added | moved | closed, `service` = id, `name`, `category`) and move lines
 * (`kind` = path). Sites placed by postcode or grid reference have no lon/lat in the edit:
 * `placed` (Map service id -> [lon, lat], where the server put them: `placedIndex` of the
 * scenario's services answer) gives their place. Those it does not know and edits of services
 * the page does not know (sensitive ones are never published) are counted in `unplaced`, not drawn.
 */
export function siteFeatures(edits, baseline = new Map(), placed = new Map()) {
  const sites = new Map(); // id -> { lon, lat, name, category, kind, from }
  let unplaced = 0;
  const placeOf = (e, id) => (Number.isFinite(e.lon) && Number.isFinite(e.lat) ? [e.lon, e.lat] : placed.get(id) ?? null);
  edits.forEach((e, i) => {
    if (e.op === 'add') {
      const id = e.id ?? `scenario-${i + 1}`;
      const at = placeOf(e, id);
      if (!at) { unplaced++; return; }
      sites.set(id, { lon: at[0], lat: at[1], name: e.name, category: e.category, kind: 'added' });
      return;
    }
    const known = sites.get(e.service) ?? (baseline.has(e.service) ? { ...baseline.get(e.service), kind: 'existing' } : null);
    if (!known) { unplaced++; return; }
    if (e.op === 'move') {
      const at = placeOf(e, e.service);
      if (!at) { unplaced++; return; }
      const from = known.from ?? (known.kind === 'existing' ? [known.lon, known.lat] : null);
      sites.set(e.service, { ...known, lon: at[0], lat: at[1], from, kind: known.kind === 'added' ? 'added' : 'moved' });
    } else if (e.op === 'close') {
      sites.set(e.service, { ...known, kind: 'closed' });
    } else if (e.op === 'capacity' && known.kind === 'existing') {
      sites.set(e.service, { ...known, kind: 'capacity' });
    }
  });
  const features = [];
  for (const [id, s] of sites) {
    if (s.from && s.kind !== 'closed') {
      features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [s.from, [s.lon, s.lat]] }, properties: { kind: 'path', service: id } });
    }
    features.push(point(s.lon, s.lat, { kind: s.kind, service: id, name: s.name ?? id, category: s.category ?? '' }));
  }
  return { type: 'FeatureCollection', features, unplaced };
}

/** Map id -> { lon, lat, name, category } of a services FeatureCollection. */
export function serviceIndex(fc) {
  const byId = new Map();
  for (const f of fc?.features ?? []) {
    const id = f.properties?.id ?? f.id;
    const c = f.geometry?.coordinates;
    if (id === undefined || !Array.isArray(c)) continue;
    byId.set(String(id), { lon: c[0], lat: c[1], name: f.properties?.name ?? String(id), category: f.properties?.category ?? '' });
  }
  return byId;
}

/** Whether some edit places a site by postcode or grid reference (no lon/lat to draw it at). */
export function needsPlaces(edits) {
  return edits.some((e) => (e.op === 'add' || e.op === 'move') && !(Number.isFinite(e.lon) && Number.isFinite(e.lat)));
}

/**
 * Where the server put the sites of a scenario's services answer (`/api/services.geojson?scenario=`):
 * Map id -> [lon, lat] of the sites the edits add or move without lon/lat. `wardless` lists
 * those of them that lie in no area of the map (every `*_code` of an area level empty).
 */
export function placedIndex(fc, edits) {
  const wanted = new Set(edits.filter((e) => (e.op === 'add' || e.op === 'move') && !(Number.isFinite(e.lon) && Number.isFinite(e.lat)))
    .map((e) => (e.op === 'add' ? e.id : e.service)).filter(Boolean));
  const placed = new Map();
  const wardless = [];
  for (const f of fc?.features ?? []) {
    const id = String(f.properties?.id ?? f.id ?? '');
    const c = f.geometry?.coordinates;
    if (!wanted.has(id) || !Array.isArray(c) || !Number.isFinite(c[0]) || !Number.isFinite(c[1])) continue;
    placed.set(id, [c[0], c[1]]);
    if (!Object.entries(f.properties ?? {}).some(([k, v]) => k.endsWith('_code') && k !== 'locality_code' && v)) wardless.push(id);
  }
  return { placed, wardless };
}
