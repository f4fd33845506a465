// The map title: what is mapped, in words, with its unit and the level.
// Pure function: unit-tested with node --test.

const METHOD_WORDS = {
  nearest: 'distance to the nearest service',
  '2sfca': '2SFCA: services shared among the people in reach',
  e2sfca: 'E2SFCA: services shared among the people in reach, nearer ones counting more',
};

/** Words for an access method id (`2sfca` -> "services shared among ..."). */
export function methodWords(method) {
  return METHOD_WORDS[method] ?? (method ? String(method) : '');
}

/** Units that are worth saying after a label (not "score", "share" or ones the label already says). */
function unitSuffix(label, unit) {
  if (!unit) return '';
  const u = unit === 'share' ? '%' : unit === 'm' ? 'metres' : unit;
  if (['score', 'z', 'rate'].includes(u)) return '';
  if (label.toLowerCase().includes(u.toLowerCase())) return '';
  return ` (${u})`;
}

/**
 * Title text. `view` 'choropleth': "<indicator> (<unit>), by <level>"; 'gaps':
 * "Unmet need: <category> (<method in words>), by <level>"; 'change': "Change in unmet need
 * with “<scenario>”: <category> (...), by <level>". With a scenario open, the other views end
 * in "; scenario “<name>”". 'trend': "<trendTitle>, by <level>" (need over time, trend.js).
 * With nothing to map, null.
 */
export function mapTitle({ view, indicatorLabel = '', unit = '', categoryLabel = '', method = '', level = '', scenarioName = '', trendTitle = '' }) {
  if (view === 'trend') {
    if (!trendTitle) return null;
    const plain = `${trendTitle}${level ? `, by ${level}` : ''}`;
    return scenarioName ? `${plain}; scenario “${scenarioName}”` : plain;
  }
  if (view === 'change') {
    if (!scenarioName) return `Change with a scenario: open or start one${level ? `, by ${level}` : ''}`;
    const rest = mapTitle({ view: 'gaps', categoryLabel, method, level }).replace(/^Unmet need: /, '');
    return `Change in unmet need with “${scenarioName}”: ${rest}`;
  }
  const plain = baseTitle({ view, indicatorLabel, unit, categoryLabel, method, level });
  return plain && scenarioName ? `${plain}; scenario “${scenarioName}”` : plain;
}

function baseTitle({ view, indicatorLabel, unit, categoryLabel, method, level }) {
  const by = level ? `, by ${level}` : '';
  if (view === 'gaps') {
    if (!categoryLabel) return `Unmet need: choose a service category${by}`;
    const how = methodWords(method);
    return `Unmet need: ${categoryLabel}${how ? ` (${how})` : ''}${by}`;
  }
  if (!indicatorLabel) return null;
  return `${indicatorLabel}${unitSuffix(indicatorLabel, unit)}${by}`;
}
