// The scenario's sites on the map (new, moved and closed sites from js/scenario/sites.js) and
// the pointer tools of the panel: click to place a site, drag a new or moved site to move it.
//
// The sites are DOM markers (MapLibre `Marker`), not a GeoJSON layer: a few dozen at most, and a
// marker moves without a worker round trip or a WebGL frame, so an edit redraws the map in the
// one frame that repaints the area colours (issue 10: the map idle within half a second of an
// edit). Only the dashed move lines are a GeoJSON line layer, sent again only when they change.
// Colour-blind safe: new sites are a black ring with a white centre, closed sites a black cross,
// a changed capacity a thin ring, moved sites a ring with a dashed line from where they were;
// shape, not hue, tells them apart. Each marker has a title and an accessible name.
import { Marker } from '../../vendor/maplibre-gl.mjs';

const EMPTY = { type: 'FeatureCollection', features: [] };
const MOVABLE = new Set(['added', 'moved', 'capacity']);
const WORDS = { added: 'New site', moved: 'Moved site', capacity: 'Site with a new capacity', closed: 'Closed site' };
const CROSS = '<svg viewBox="0 0 18 18" width="22" height="22" aria-hidden="true">'
  + '<path d="M4 4L14 14M14 4L4 14" stroke="#ffffff" stroke-width="5" stroke-linecap="round"/>'
  + '<path d="M4 4L14 14M14 4L4 14" stroke="#000000" stroke-width="2.6" stroke-linecap="round"/></svg>';

/** The marker element of a site of `kind` (class `scenario-site scenario-site-<kind>`). */
function siteElement(kind) {
  const e = document.createElement('div');
  e.setAttribute('role', 'img');
  e.classList.add('scenario-site', `scenario-site-${kind}`);
  return e;
}

function describe(e, props) {
  const label = `${WORDS[props.kind] ?? 'Site'}: ${props.name}`;
  for (const c of [...e.classList]) if (c.startsWith('scenario-site-')) e.classList.remove(c);
  e.classList.add('scenario-site', `scenario-site-${props.kind}`);
  e.dataset.kind = props.kind;
  e.dataset.service = props.service;
  e.title = label;
  e.setAttribute('aria-label', label);
  const cross = props.kind === 'closed';
  if (cross !== Boolean(e.firstChild)) e.innerHTML = cross ? CROSS : '';
}

export class ScenarioOverlay {
  /**
   * `onPlace(lngLat)` is called for a click in placing mode; `onDrag(serviceId, lngLat)`
   * when a new or moved site has been dragged to a new place.
   */
  constructor(map, { onPlace, onDrag }) {
    this.map = map;
    this.onPlace = onPlace;
    this.onDrag = onDrag;
    this.placing = null; // null or a words prompt ('Click where the new site goes')
    this.dragging = null;
    this.draggable = false;
    this.data = EMPTY;
    this.markers = new Map(); // service id -> Marker
    this.drawnPaths = JSON.stringify(EMPTY);
    map.addSource('scenario-paths', { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: 'scenario-paths', type: 'line', source: 'scenario-paths',
      paint: { 'line-color': '#000000', 'line-width': 2, 'line-dasharray': [2, 2] },
    });
  }

  /**
   * Show the sites (a FeatureCollection from siteFeatures); `draggable` when edits can be saved.
   * Markers are kept per site and only moved or relabelled; the move lines are sent to the map
   * only when they change. `batch` (a MapBatch) holds the change until the edit's other map
   * changes are ready, so the sites and the new colours appear together.
   */
  set(fc, draggable, batch = null) {
    this.data = fc;
    this.draggable = draggable;
    const apply = () => this.draw();
    if (batch) batch.run('scenario-sites', apply);
    else apply();
  }

  /** Bring the markers and move lines in line with `this.data`. */
  draw() {
    const seen = new Set();
    for (const f of this.data.features) {
      if (f.geometry?.type !== 'Point') continue;
      const p = f.properties;
      seen.add(p.service);
      let marker = this.markers.get(p.service);
      if (!marker) {
        marker = new Marker({ element: siteElement(p.kind), draggable: false });
        marker.setLngLat(f.geometry.coordinates).addTo(this.map);
        marker.on('dragstart', () => { this.dragging = { id: p.service }; });
        marker.on('drag', () => this.dragPath(p.service, marker.getLngLat()));
        marker.on('dragend', () => {
          const id = marker.getElement().dataset.service;
          this.dragging = null;
          this.onDrag(id, marker.getLngLat());
        });
        this.markers.set(p.service, marker);
      } else {
        const [lon, lat] = f.geometry.coordinates;
        const at = marker.getLngLat();
        if (at.lng !== lon || at.lat !== lat) marker.setLngLat([lon, lat]);
      }
      describe(marker.getElement(), p);
      marker.setDraggable(this.draggable && MOVABLE.has(p.kind));
    }
    for (const [id, marker] of this.markers) {
      if (!seen.has(id)) { marker.remove(); this.markers.delete(id); }
    }
    this.setPaths(this.data.features.filter((f) => f.properties?.kind === 'path'));
  }

  setPaths(features) {
    const fc = { type: 'FeatureCollection', features };
    const text = JSON.stringify(fc);
    if (text === this.drawnPaths) return;
    this.drawnPaths = text;
    this.map.getSource('scenario-paths').setData(fc);
  }

  /** While a site is dragged its move line follows it. */
  dragPath(id, lngLat) {
    const paths = this.data.features.filter((f) => f.properties?.kind === 'path')
      .map((f) => (f.properties.service === id ? { ...f, geometry: { type: 'LineString', coordinates: [f.geometry.coordinates[0], [lngLat.lng, lngLat.lat]] } } : f));
    this.setPaths(paths);
  }

  /** The marker elements drawn now (for tests and the keyboard). */
  elements() { return [...this.markers.values()].map((m) => m.getElement()); }

  /** Start (prompt given) or stop (null) placing mode: the next map click calls onPlace. */
  setPlacing(prompt) {
    this.placing = prompt;
    this.map.getCanvas().style.cursor = prompt ? 'crosshair' : '';
  }

  /** A map click: in placing mode it places the site and returns true. */
  click(e) {
    if (!this.placing) return false;
    this.setPlacing(null);
    this.onPlace(e.lngLat);
    return true;
  }
}
