// The gap map's default need indicator: the one the server counts people in need with for the
// category (/api/meta `gaps.need_indicator`, or `gaps.child_need_indicator` for categories that
// serve the child population), when that indicator can be a gap need at the level.

/**
 * The default need indicator id for `categoryId` at `level`, or null when the server names none
 * or it is not offered there. `meta` is the raw /api/meta document.
 */
export function defaultNeed(meta, categoryId, level) {
  const gaps = meta?.gaps ?? {};
  const category = (meta?.categories ?? []).find((c) => c.id === categoryId);
  const forChildren = category && meta?.child_population && category.serves === meta.child_population;
  const id = (forChildren && gaps.child_need_indicator) || gaps.need_indicator || null;
  if (!id) return null;
  const ind = (meta?.indicators ?? []).find((i) => i.id === id);
  if (!ind || ind.gap_need === false) return null;
  if (Array.isArray(ind.levels) && !ind.levels.includes(level)) return null;
  return id;
}
