// Colour-vision checks for the browser test: Machado, Oliveira & Fernandes (2009) simulation of
// protanopia and deuteranopia (severity 1, applied to linear RGB), CIE L*a*b* (D65) and the
// CIE76 colour difference. Pure functions on [r, g, b] 0-255 triples.

/** Machado et al. 2009, severity 1.0 (their Table 1), on linear RGB. */
export const MACHADO = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
};

const toLinear = (v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
const toSrgb = (c) => { const v = Math.min(1, Math.max(0, c)); return 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055); };

/** `rgb` as seen with `kind` ('protanopia' | 'deuteranopia'), or unchanged for 'normal'. */
export function simulate(rgb, kind) {
  const m = MACHADO[kind];
  if (!m) return rgb.slice(0, 3);
  const lin = rgb.slice(0, 3).map(toLinear);
  return m.map((row) => toSrgb(row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2]));
}

/** CIE L*a*b* (D65) of an sRGB triple. */
export function lab(rgb) {
  const [r, g, b] = rgb.map(toLinear);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference between two sRGB triples. */
export function deltaE(a, b) {
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Chroma C*ab of an sRGB triple (0 = grey). */
export function chroma(rgb) {
  const [, a, b] = lab(rgb);
  return Math.hypot(a, b);
}

/** #rrggbb as [r, g, b]. */
export function hexRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** The smallest CIE76 difference between any two of `colours`, with the pair. */
export function closestPair(colours) {
  let best = { d: Infinity, i: -1, j: -1 };
  for (let i = 0; i < colours.length; i++) {
    for (let j = i + 1; j < colours.length; j++) {
      const d = deltaE(colours[i], colours[j]);
      if (d < best.d) best = { d, i, j };
    }
  }
  return best;
}
