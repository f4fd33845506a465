// Map changes that belong together, applied in one go.
//
// After a scenario edit the site markers, the service points and the area colours all change.
// Each change on its own makes MapLibre draw a frame, and in a software renderer a frame of
// 1,500 output areas costs 100-500 ms, so three changes applied as they arrive cost three frames.
// While a batch is held, keyed changes wait (a newer change of the same key replaces the older);
// when the last hold is released they run together, in the same task, so the next frame shows
// them all.

export class MapBatch {
  constructor() {
    this.holds = 0;
    this.pending = new Map();
  }

  /** Hold changes until the returned function is called (once; later calls do nothing). */
  hold() {
    this.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds -= 1;
      if (this.holds === 0) this.flush();
    };
  }

  /** Run `change` now, or when the batch is released if it is held (keyed: the latest wins). */
  run(key, change) {
    if (this.holds === 0) change();
    else this.pending.set(key, change);
  }

  flush() {
    const changes = [...this.pending.values()];
    this.pending.clear();
    for (const change of changes) {
      try {
        change();
      } catch (e) {
        console.warn(e);
      }
    }
  }
}
