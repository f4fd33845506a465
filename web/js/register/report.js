// The validation report of a submission as rows for the page: each row's state, its values,
// the messages naming each field, its duplicate candidates side by side and its decision; and
// the fields a fix sends. Pure functions: unit-tested with node --test.

/** The fields of an uploaded row, in the order of the report (the server's `Field::ALL`). */
export const FIELDS = ['name', 'category', 'subcategory', 'tier', 'postcode', 'easting', 'northing', 'lon', 'lat',
  'capacity', 'status', 'opening_hours', 'contact', 'source_id'];

const LABELS = {
  name: 'Name', category: 'Category', subcategory: 'Subcategory', tier: 'Tier', postcode: 'Postcode',
  easting: 'Easting', northing: 'Northing', lon: 'Longitude', lat: 'Latitude', capacity: 'Capacity',
  status: 'Status', opening_hours: 'Opening hours', contact: 'Contact', source_id: 'Your reference', row: 'Row',
};

/** A field id for people: 'opening_hours' -> 'Opening hours'. */
export function fieldLabel(field) {
  return LABELS[field] ?? String(field ?? '').replace(/_/g, ' ');
}

/** The decision of a row as the decision endpoint takes it: 'keep', 'skip', 'merge:bd-00001' or null. */
export function decisionValue(decision) {
  if (!decision || !decision.action) return null;
  return decision.action === 'merge' ? `merge:${decision.service}` : decision.action;
}

/** The decision in words: "merge into bd-00001", "keep as a new service", "leave out". */
export function decisionWords(decision) {
  const v = decisionValue(decision);
  if (!v) return 'undecided';
  if (v === 'keep') return 'keep as a new service';
  if (v === 'skip') return 'leave out';
  return `merge into ${v.slice('merge:'.length)}`;
}

/**
 * The fields shown for a submission: those its columns matched, then any field a row has a
 * value or a message for, in FIELDS order (at least name, category and postcode).
 */
export function shownFields(submission) {
  const seen = new Set(['name', 'category', 'postcode']);
  for (const c of submission?.columns?.columns ?? []) seen.add(c.field);
  for (const r of submission?.rows ?? []) for (const f of Object.keys(r.values ?? {})) seen.add(f);
  for (const m of submission?.report?.messages ?? []) if (m.field !== 'row') seen.add(m.field);
  return FIELDS.filter((f) => seen.has(f));
}

/**
 * The report as one entry per row, in file order:
 * { row, state, values, messages: [{ field, severity, message }], errors, warnings,
 *   duplicates: [Duplicate], decision, blocking }.
 */
export function reportRows(submission) {
  const rows = new Map((submission?.rows ?? []).map((r) => [r.row, r]));
  const states = submission?.report?.states ?? [];
  const order = states.length ? states.map(([row]) => row) : [...rows.keys()];
  const stateOf = new Map(states.map(([row, s]) => [row, s]));
  return order.map((row) => {
    const messages = (submission?.report?.messages ?? []).filter((m) => m.row === row)
      .map(({ field, severity, message }) => ({ field, severity, message }));
    const state = stateOf.get(row) ?? 'ready';
    return {
      row,
      state,
      values: { ...(rows.get(row)?.values ?? {}) },
      messages,
      errors: messages.filter((m) => m.severity === 'error').length,
      warnings: messages.filter((m) => m.severity === 'warning').length,
      duplicates: (submission?.report?.duplicates ?? []).filter((d) => d.row === row),
      decision: rows.get(row)?.decision ?? null,
      blocking: state === 'error' || state === 'duplicate',
    };
  });
}

/** A message for people: "Postcode: BD99 9ZZ is not in the postcode lookup ...". */
export function messageLine(m) {
  const sev = m.severity === 'warning' ? 'Warning' : 'Error';
  return m.field === 'row' ? `${sev}: ${m.message}` : `${sev} in ${fieldLabel(m.field)}: ${m.message}`;
}

/**
 * What a fix sends: the fields whose edited text differs from the row's value (trimmed;
 * empty text clears a field). An empty object when nothing changed.
 */
export function fixChanges(values, edited) {
  const out = {};
  for (const [field, text] of Object.entries(edited ?? {})) {
    const now = String(text ?? '').trim();
    const was = String(values?.[field] ?? '').trim();
    if (now !== was) out[field] = now;
  }
  return out;
}

/** Counts of a report by state, for the summary: { ready, error, duplicate, keep, skip, merge, blocking }. */
export function stateCounts(submission) {
  const c = { ready: 0, error: 0, duplicate: 0, keep: 0, skip: 0, merge: 0, blocking: 0 };
  for (const [, s] of submission?.report?.states ?? []) {
    c[s] = (c[s] ?? 0) + 1;
    if (s === 'error' || s === 'duplicate') c.blocking += 1;
  }
  return c;
}

/** Whether the partner may still change it (draft or sent, not published or rejected). */
export function isOpen(submission) {
  return submission?.status === 'draft' || submission?.status === 'submitted';
}
