// How access is measured, in one sentence for the gap map (issue 9, section 3): from the
// `selection.access` member of the areas answer (method, travel, catchment in metres and
// minutes, the nearest method's unmet-need threshold). Pure: unit-tested under node.

const KM = (m) => {
  const km = m / 1000;
  if (km < 1) return `${Math.round(m / 10) * 10} m`;
  return `${Number.isInteger(km) ? km : km.toFixed(1)} km`;
};
const MIN = (x) => `${Math.round(x)} minutes`;

/**
 * "Access to GP surgeries: services within 2 km on foot (about 33 minutes), shared among the people who
 * can reach them (2SFCA)." `access` = the server's description, `what` = the service in words.
 * Returns '' when there is no description.
 */
export function accessSentence(access, what) {
  if (!access || typeof access !== 'object') return '';
  const mode = access.travel === 'drive' ? 'drive' : 'walk';
  const by = mode === 'drive' ? 'by road' : 'on foot';
  const estimated = 'travel estimated from straight-line distance';
  if (access.method === 'nearest') {
    const limit = Number(access.unmet_minutes);
    return `Access to ${what}: the time to the nearest one ${by} (${estimated}). Unmet need counts the people in need more than ${MIN(limit)}' ${mode} from one.`;
  }
  const inMinutes = /min$/.test(String(access.catchment));
  const reach = inMinutes
    ? `within ${MIN(Number(access.catchment_minutes))} ${by} (about ${KM(Number(access.catchment_m))})`
    : `within ${KM(Number(access.catchment_m))} ${by} (about ${MIN(Number(access.catchment_minutes))})`;
  const decay = access.method === 'e2sfca' ? ', nearer sites counting for more (E2SFCA)' : ' (2SFCA)';
  return `Access to ${what}: services ${reach}, shared among the people who can reach them${decay}; ${estimated}. Unmet need counts the people in need whose access falls short of the district rate.`;
}
