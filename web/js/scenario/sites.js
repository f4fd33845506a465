// The sites a scenario touches, for the map overlay: new sites (draggable), moved sites with a
// dashed line from where they were, and closed sites (a cross). Pure functions (no DOM).

function point(lon, lat, properties) {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
}

function placeOf(e) {
  return Number.isFinite(e.lon) && Number.isFinite(e.lat) ? [e.lon, e.lat] : null;
}

/**
 * Replay the edits over the baseline positions. `baseline`: Map service id -> { lon, lat,
 * name, category } (the published service points). Returns a FeatureCollection of points
 * (`kind` = added | moved | closed, `service` = id, `name`, `category`) and move lines
 * (`kind` = path). Sites placed by postcode or grid reference (no lon/lat in the edit) and
 * edits of services the page does not know (sensitive ones are never published) are counted
 * in `unplaced`, not drawn.
 */
export function siteFeatures(edits, baseline = new Map()) {
  const sites = new Map(); // id -> { lon, lat, name, category, kind, from }
  let unplaced = 0;
  edits.forEach((e, i) => {
    if (e.op === 'add') {
      const id = e.id ?? `scenario-${i + 1}`;
      const at = placeOf(e);
      if (!at) { unplaced++; return; }
      sites.set(id, { lon: at[0], lat: at[1], name: e.name, category: e.category, kind: 'added' });
      return;
    }
    const known = sites.get(e.service) ?? (baseline.has(e.service) ? { ...baseline.get(e.service), kind: 'existing' } : null);
    if (!known) { unplaced++; return; }
    if (e.op === 'move') {
      const at = placeOf(e);
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
