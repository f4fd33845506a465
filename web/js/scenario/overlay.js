// The scenario's sites on the map (new, moved and closed sites from js/scenario/sites.js) and
// the pointer tools of the panel: click to place a site, drag a new site to move it.
// Colour-blind safe: new sites are a black ring with a white centre, closed sites a black
// cross, moved sites a ring with a dashed line from where they were; shape, not hue, tells them apart.

const EMPTY = { type: 'FeatureCollection', features: [] };

function crossImage(ratio = 2) {
  const s = 18 * ratio;
  const canvas = document.createElement('canvas');
  canvas.width = s;
  canvas.height = s;
  const g = canvas.getContext('2d');
  g.lineCap = 'round';
  for (const [w, colour] of [[5 * ratio, '#ffffff'], [2.6 * ratio, '#000000']]) {
    g.lineWidth = w;
    g.strokeStyle = colour;
    g.beginPath();
    g.moveTo(s * 0.22, s * 0.22); g.lineTo(s * 0.78, s * 0.78);
    g.moveTo(s * 0.78, s * 0.22); g.lineTo(s * 0.22, s * 0.78);
    g.stroke();
  }
  return { width: s, height: s, data: g.getImageData(0, 0, s, s).data };
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
    map.addImage('scenario-closed', crossImage(2), { pixelRatio: 2 });
    map.addSource('scenario-sites', { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: 'scenario-paths', type: 'line', source: 'scenario-sites', filter: ['==', ['get', 'kind'], 'path'],
      paint: { 'line-color': '#000000', 'line-width': 2, 'line-dasharray': [2, 2] },
    });
    map.addLayer({
      id: 'scenario-sites', type: 'circle', source: 'scenario-sites',
      filter: ['match', ['get', 'kind'], ['added', 'moved', 'capacity'], true, false],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 6, 14, 10],
        'circle-color': '#ffffff',
        'circle-stroke-color': '#000000',
        'circle-stroke-width': ['match', ['get', 'kind'], 'capacity', 2, 4],
      },
    });
    map.addLayer({
      id: 'scenario-closed', type: 'symbol', source: 'scenario-sites', filter: ['==', ['get', 'kind'], 'closed'],
      layout: { 'icon-image': 'scenario-closed', 'icon-allow-overlap': true, 'icon-ignore-placement': true, 'icon-size': 1.2 },
    });
    map.on('mouseenter', 'scenario-sites', () => { if (this.draggable && !this.placing) map.getCanvas().style.cursor = 'move'; });
    map.on('mouseleave', 'scenario-sites', () => { if (!this.placing) map.getCanvas().style.cursor = ''; });
    map.on('mousedown', 'scenario-sites', (e) => this.startDrag(e));
    map.on('touchstart', 'scenario-sites', (e) => { if (e.points?.length === 1) this.startDrag(e); });
  }

  /**
   * Show the sites (a FeatureCollection from siteFeatures); `draggable` when edits can be saved.
   * The same sites again are not sent to the map (a setData is a worker round trip and a frame);
   * `batch` (a MapBatch) holds the change until the edit's other map changes are ready.
   */
  set(fc, draggable, batch = null) {
    this.data = fc;
    this.draggable = draggable;
    const text = JSON.stringify(fc);
    if (text === this.drawn) return;
    this.drawn = text;
    const apply = () => this.map.getSource('scenario-sites').setData(fc);
    if (batch) batch.run('scenario-sites', apply);
    else apply();
  }

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

  startDrag(e) {
    if (!this.draggable || this.placing) return;
    const hit = e.features?.[0];
    if (!hit || !['added', 'moved', 'capacity'].includes(hit.properties.kind)) return;
    e.preventDefault(); // keeps the map from panning
    const map = this.map;
    const id = hit.properties.service;
    this.dragging = { id, moved: false };
    map.getCanvas().style.cursor = 'grabbing';
    const move = (ev) => {
      this.dragging.moved = true;
      this.dragging.lngLat = ev.lngLat;
      const features = this.data.features.map((f) => (f.properties.service === id && f.geometry.type === 'Point'
        ? { ...f, geometry: { type: 'Point', coordinates: [ev.lngLat.lng, ev.lngLat.lat] } } : f));
      map.getSource('scenario-sites').setData({ ...this.data, features });
      this.drawn = null; // the map shows the dragged position, not this.data
    };
    const up = () => {
      map.off('mousemove', move);
      map.off('touchmove', move);
      map.getCanvas().style.cursor = '';
      const d = this.dragging;
      this.dragging = null;
      if (d?.moved && d.lngLat) this.onDrag(d.id, d.lngLat);
    };
    map.on('mousemove', move);
    map.on('touchmove', move);
    map.once('mouseup', up);
    map.once('touchend', up);
  }
}
