// Which service categories and tiers the selectors offer: only those with services to show.
// Pure functions: unit-tested with node --test.

/** Services shown of a category (`services_shown`, else `services`; unknown counts as shown). */
export function shownCount(category) {
  const n = category.services_shown ?? category.services ?? category.count;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Categories with at least one service shown (a category without counts is kept). */
export function offeredCategories(categories) {
  return categories.filter((c) => { const n = shownCount(c); return n === null || n > 0; });
}

/** Tiers with at least one offered category in them (all tiers when no category says its tier). */
export function offeredTiers(tiers, categories) {
  const cats = offeredCategories(categories);
  if (!categories.some((c) => c.tier !== undefined && c.tier !== '')) return tiers;
  const used = new Set(cats.map((c) => String(c.tier)));
  return tiers.filter((t) => used.has(String(t.id)));
}
