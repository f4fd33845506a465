// Area names drawn as HTML over the map. MapLibre text layers need a glyph (font PBF)
// server, which an offline install lacks; HTML labels use the browser's own fonts.

export class LabelLayer {
  /** `container` is an absolutely positioned element covering the map. */
  constructor(map, container) {
    this.map = map;
    this.container = container;
    this.labels = [];
    this.obstacle = null;
    this.watcher = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.update()) : null;
    map.on('move', () => this.update());
    map.on('resize', () => this.update());
  }

  /**
   * Replace the labels: [{ text, lngLat, major, priority, minZoom, maxZoom }]. Higher
   * priority labels win collisions.
   */
  set(labels) {
    this.container.replaceChildren();
    this.labels = labels
      .slice()
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
      .map((l) => {
        const el = document.createElement('span');
        el.textContent = l.text;
        if (l.major) el.className = 'major';
        this.container.append(el);
        return { ...l, el, w: 0, h: 0 };
      });
    for (const l of this.labels) {
      l.w = l.el.offsetWidth;
      l.h = l.el.offsetHeight;
    }
    this.update();
  }

  /**
   * Keep labels off `element` (an open popup), or none with `null`: a label whose box
   * touches the element's box is hidden, so no name is ever drawn over or beside a popup.
   */
  avoid(element) {
    if (this.watcher) this.watcher.disconnect();
    this.obstacle = element;
    if (element && this.watcher) this.watcher.observe(element);
    this.update();
  }

  /** The obstacle's box in the container's pixels, with a small margin; null when none. */
  obstacleBox() {
    if (!this.obstacle || !this.obstacle.isConnected) return null;
    const r = this.obstacle.getBoundingClientRect();
    const c = this.container.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return null;
    return [r.left - c.left - 4, r.top - c.top - 4, r.right - c.left + 4, r.bottom - c.top + 4];
  }

  /** Position the labels and hide those that collide with a higher-priority one or a popup. */
  update() {
    const zoom = this.map.getZoom();
    const width = this.container.clientWidth;
    const height = this.container.clientHeight;
    const obstacle = this.obstacleBox();
    const placed = obstacle ? [obstacle] : [];
    for (const l of this.labels) {
      const inZoom = zoom >= (l.minZoom ?? 0) && zoom < (l.maxZoom ?? 99);
      const p = this.map.project(l.lngLat);
      const box = [p.x - l.w / 2 - 3, p.y - l.h / 2 - 2, p.x + l.w / 2 + 3, p.y + l.h / 2 + 2];
      const onScreen = box[2] > 0 && box[0] < width && box[3] > 0 && box[1] < height;
      const clash = placed.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3]);
      const show = inZoom && onScreen && !clash;
      l.el.style.display = show ? '' : 'none';
      if (show) {
        l.el.style.left = `${p.x}px`;
        l.el.style.top = `${p.y}px`;
        placed.push(box);
      }
    }
  }
}
