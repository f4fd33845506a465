// Service point symbols: colour = category (Okabe-Ito), shape = tier, drawn on a canvas and
// added to the map as images, so no sprite or glyph server is needed.
import { QUALITATIVE, SHAPES } from './palettes.js';

const SIZE = 18; // CSS pixels of an icon at icon-size 1

/**
 * Symbol for each category: { [categoryId]: { colour, shape, tier } }. Categories are grouped
 * by tier; each tier gets a shape and its categories get distinct colours, so every
 * (shape, colour) pair is unique even with more categories than colours.
 */
export function symbolTable(categories, tiers) {
  const tierOrder = tiers.map((t) => t.id);
  const table = {};
  const byTier = new Map();
  for (const c of categories) {
    const t = c.tier ?? '';
    if (!byTier.has(t)) byTier.set(t, []);
    byTier.get(t).push(c);
  }
  for (const [tier, cats] of byTier) {
    const ti = tierOrder.indexOf(tier);
    const shape = SHAPES[(ti < 0 ? tierOrder.length : ti) % SHAPES.length];
    cats.forEach((c, i) => { table[c.id] = { colour: QUALITATIVE[i % QUALITATIVE.length], shape, tier }; });
  }
  return table;
}

function path(ctx, shape, s) {
  const c = s / 2;
  const r = s * 0.36;
  ctx.beginPath();
  switch (shape) {
    case 'square':
      ctx.rect(c - r * 0.86, c - r * 0.86, r * 1.72, r * 1.72);
      break;
    case 'triangle':
      ctx.moveTo(c, c - r * 1.1);
      ctx.lineTo(c + r * 1.05, c + r * 0.75);
      ctx.lineTo(c - r * 1.05, c + r * 0.75);
      ctx.closePath();
      break;
    case 'diamond':
      ctx.moveTo(c, c - r * 1.15);
      ctx.lineTo(c + r * 1.0, c);
      ctx.lineTo(c, c + r * 1.15);
      ctx.lineTo(c - r * 1.0, c);
      ctx.closePath();
      break;
    case 'hexagon':
      for (let i = 0; i < 6; i++) {
        const a = (Math.PI / 3) * i;
        ctx.lineTo(c + r * 1.05 * Math.cos(a), c + r * 1.05 * Math.sin(a));
      }
      ctx.closePath();
      break;
    case 'star':
      for (let i = 0; i < 10; i++) {
        const a = (Math.PI / 5) * i - Math.PI / 2;
        const rr = i % 2 ? r * 0.55 : r * 1.2;
        ctx.lineTo(c + rr * Math.cos(a), c + rr * Math.sin(a));
      }
      ctx.closePath();
      break;
    default:
      ctx.arc(c, c, r, 0, Math.PI * 2);
  }
}

/** A canvas with the symbol drawn at `ratio` device pixels per CSS pixel. */
export function drawSymbol(symbol, ratio = 2) {
  const s = SIZE * ratio;
  const canvas = document.createElement('canvas');
  canvas.width = s;
  canvas.height = s;
  const ctx = canvas.getContext('2d');
  path(ctx, symbol.shape, s);
  ctx.fillStyle = symbol.colour;
  ctx.fill();
  ctx.lineWidth = 1.6 * ratio;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.lineWidth = 0.8 * ratio;
  ctx.strokeStyle = '#1b1f24';
  ctx.stroke();
  return canvas;
}

/** Add one image per category (`svc-<id>`) and a fallback (`svc-other`) to the map. */
export function addSymbolImages(map, table) {
  const ratio = 2;
  const add = (id, symbol) => {
    const canvas = drawSymbol(symbol, ratio);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    if (map.hasImage(id)) map.removeImage(id);
    map.addImage(id, { width: canvas.width, height: canvas.height, data: data.data }, { pixelRatio: ratio });
  };
  for (const [id, symbol] of Object.entries(table)) add(`svc-${id}`, symbol);
  add('svc-other', { colour: '#ffffff', shape: 'circle' });
}

/** Legend: symbols grouped by tier, as DOM nodes. */
export function symbolLegend(categories, tiers, table) {
  const root = document.createElement('div');
  for (const t of [...tiers, { id: '', label: 'Other' }]) {
    const cats = categories.filter((c) => (c.tier ?? '') === t.id);
    if (cats.length === 0) continue;
    const h = document.createElement('div');
    h.className = 'svc-tier';
    h.textContent = t.label;
    const ul = document.createElement('ul');
    ul.className = 'svc-items';
    for (const c of cats) {
      const li = document.createElement('li');
      const img = document.createElement('img');
      img.alt = '';
      img.src = drawSymbol(table[c.id], 2).toDataURL();
      li.append(img, document.createTextNode(c.label));
      ul.append(li);
    }
    root.append(h, ul);
  }
  return root;
}
