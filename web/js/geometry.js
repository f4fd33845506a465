// Small geometry helpers for GeoJSON (lon/lat) used by the offline basemap and labels.
// Pure functions: unit-tested with node --test.

/** Outer rings' polygons of a Polygon or MultiPolygon geometry, as arrays of rings. */
export function polygons(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

/** [west, south, east, north] of a geometry or feature collection; null when empty. */
export function bbox(geojson) {
  let w = Infinity; let s = Infinity; let e = -Infinity; let n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < w) w = c[0];
      if (c[0] > e) e = c[0];
      if (c[1] < s) s = c[1];
      if (c[1] > n) n = c[1];
    } else {
      for (const x of c) visit(x);
    }
  };
  const geoms = geojson.type === 'FeatureCollection' ? geojson.features.map((f) => f.geometry)
    : geojson.type === 'Feature' ? [geojson.geometry] : [geojson];
  for (const g of geoms) if (g && g.coordinates) visit(g.coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** Planar signed area of a ring (positive when counter-clockwise). */
export function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return a / 2;
}

/** Whether point p is inside polygon `poly` (rings; holes excluded), even-odd rule. */
export function inPolygon(p, poly) {
  let inside = false;
  for (const ring of poly) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * A point well inside the area for its label: on the largest polygon, the midpoint of the
 * widest inside span of the horizontal line through its vertex-average centre, trying a
 * few other lines when that one is poor. Always inside for valid polygons.
 */
export function labelPoint(geometry) {
  const polys = polygons(geometry);
  if (polys.length === 0) return null;
  let best = polys[0];
  let bestArea = -1;
  for (const p of polys) {
    const a = Math.abs(ringArea(p[0]));
    if (a > bestArea) { bestArea = a; best = p; }
  }
  const [w, s, e, n] = bbox({ type: 'Polygon', coordinates: best });
  const outer = best[0];
  let cy = 0;
  for (const c of outer) cy += c[1];
  cy /= outer.length;
  let answer = null;
  let answerWidth = -1;
  const lines = [cy, s + (n - s) * 0.5, s + (n - s) * 0.35, s + (n - s) * 0.65, s + (n - s) * 0.2, s + (n - s) * 0.8];
  for (const y0 of lines) {
    const y = y0 + (n - s) * 1e-7; // avoid passing exactly through vertices
    const xs = [];
    for (const ring of best) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if ((yi > y) !== (yj > y)) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi);
      }
    }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const width = xs[i + 1] - xs[i];
      // Prefer the first line (near the centre) unless another is much wider.
      const score = y0 === cy ? width * 1.5 : width;
      if (score > answerWidth) { answerWidth = score; answer = [(xs[i] + xs[i + 1]) / 2, y]; }
    }
    if (answer && answerWidth > (e - w) * 0.6) break;
  }
  return answer ?? outer[0];
}
