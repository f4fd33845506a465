// Colour-blind-safe palettes.
// Sequential: viridis family (matplotlib, perceptually uniform) and ColorBrewer single- or
// multi-hue schemes marked colour-blind safe. Deciles: ColorBrewer RdYlBu (colour-blind
// safe diverging), decile 1 (most deprived) red. Services: Okabe-Ito qualitative colours.
// Gap map: Joshua Stevens' 3x3 bivariate scheme (pink x teal), readable with the common
// colour-vision deficiencies.

/** Sample `k` colours evenly from a list of stops (nearest stop, no interpolation). */
function sample(stops, k) {
  if (k <= 1) return [stops[stops.length - 1]];
  return Array.from({ length: k }, (_, i) => stops[Math.round((i * (stops.length - 1)) / (k - 1))]);
}

// 9 stops each; `colours(name, k)` samples k of them (k <= 9).
const SEQUENTIAL = {
  viridis: {
    label: 'Viridis',
    stops: ['#fde725', '#b5de2b', '#6ece58', '#35b779', '#1f9e89', '#26828e', '#31688e', '#3e4989', '#482878'],
  },
  magma: {
    label: 'Magma',
    stops: ['#fcfdbf', '#feca8d', '#fd9668', '#f1605d', '#cd4071', '#9e2f7f', '#721f81', '#440f76', '#180f3d'],
  },
  ylorrd: {
    label: 'Yellow-orange-red (ColorBrewer)',
    stops: ['#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026'],
  },
  blues: {
    label: 'Blues (ColorBrewer)',
    stops: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  },
  purples: {
    label: 'Purples (ColorBrewer)',
    stops: ['#fcfbfd', '#efedf5', '#dadaeb', '#bcbddc', '#9e9ac8', '#807dba', '#6a51a3', '#54278f', '#3f007d'],
  },
};

export const PALETTES = Object.fromEntries(Object.entries(SEQUENTIAL).map(([k, v]) => [k, v.label]));

/**
 * `k` colours of sequential palette `name`, light to dark. The choropleth maps more need to
 * darker colours, so callers reverse the order for indicators where higher is better.
 */
export function colours(name, k) {
  const p = SEQUENTIAL[name] ?? SEQUENTIAL.viridis;
  return sample(p.stops, Math.max(1, k));
}

/** ColorBrewer RdYlBu, 10 classes: index 0 = national decile 1 (most deprived). */
export const DECILE_COLOURS = [
  '#a50026', '#d73027', '#f46d43', '#fdae61', '#fee090',
  '#e0f3f8', '#abd9e9', '#74add1', '#4575b4', '#313695',
];

/**
 * Okabe-Ito qualitative colours. Yellow comes last: it vanishes on the light end of the
 * sequential palettes; symbols have a white halo, so black stays visible on dark fills.
 */
export const QUALITATIVE = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#000000', '#F0E442'];

/** Marker shapes, one per service tier. */
export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'hexagon', 'star'];

/**
 * Bivariate 3x3 colours, `BIVARIATE[need][access]` with need 0 = low .. 2 = high and
 * access 0 = low .. 2 = high. Need is lightness (more need = darker, low need muted, low
 * chroma); access is hue, warm brown for low access to blue for high access (the blue-yellow
 * axis that protanopes and deuteranopes keep). High need with low access (the gap) is the
 * darkest and most salient. Chosen so that after a Machado et al. (2009) protanopia or
 * deuteranopia simulation every pair of cells still differs by CIE76 delta E of at least 10
 * (11.1 at worst; tests/browser/unit/colourvision.test.mjs and the browser test check it).
 */
export const BIVARIATE = [
  // access:  low        mid        high
  ['#c0b4af', '#d1d6d2', '#e8f1fa'], // low need
  ['#9a6449', '#779480', '#6caddb'], // mid need
  ['#6f3c23', '#43604d', '#166e9a'], // high need
];

/** Colour for areas without a value. */
export const NO_DATA = '#d9d9d9';

/** Relative luminance of a #rrggbb colour (for choosing a readable text colour on it). */
export function luminance(hex) {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
