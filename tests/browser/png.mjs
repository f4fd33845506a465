// A small PNG decoder for screenshots (8-bit greyscale, RGB or RGBA, not interlaced), so a test
// reads the pixels of one full-page screenshot in node instead of asking the page per region.
import { inflateSync } from 'node:zlib';

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Decode a PNG buffer to { width, height, data } with RGBA bytes. */
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0; let height = 0; let channels = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8]; const colour = body[9]; const interlace = body[12];
      channels = CHANNELS[colour];
      if (depth !== 8 || !channels || interlace !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour ${colour}, interlace ${interlace})`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev ? prev[i] : 0;
      const c = prev && i >= channels ? prev[i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c; const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      out[i] = v & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    if (channels >= 3) { data[p * 4] = rows[s]; data[p * 4 + 1] = rows[s + 1]; data[p * 4 + 2] = rows[s + 2]; } else data.fill(rows[s], p * 4, p * 4 + 3);
    data[p * 4 + 3] = channels === 4 ? rows[s + 3] : channels === 2 ? rows[s + 1] : 255;
  }
  return { width, height, data };
}

/**
 * The RGBA bytes of page region `box` (CSS pixels) of a decoded screenshot taken at device
 * scale `scale`.
 */
export function region(img, box, scale = 1) {
  const x0 = Math.max(0, Math.round(box.x * scale)); const y0 = Math.max(0, Math.round(box.y * scale));
  const x1 = Math.min(img.width, Math.round((box.x + box.width) * scale));
  const y1 = Math.min(img.height, Math.round((box.y + box.height) * scale));
  const out = new Uint8Array(Math.max(0, x1 - x0) * Math.max(0, y1 - y0) * 4);
  let k = 0;
  for (let y = y0; y < y1; y++) {
    out.set(img.data.subarray((y * img.width + x0) * 4, (y * img.width + x1) * 4), k);
    k += (x1 - x0) * 4;
  }
  return out;
}
