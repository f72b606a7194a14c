// The live view of a generation, shared by the page and the widget: each
// position's most likely character, shaded by its probability, and a small
// chart of mean confidence against t. Text always goes in as textContent.

const LEVELS = 10; // shading steps: classes c0 (noise) .. c9 (certain)

/**
 * LiveText shows one sample as a row of characters, one span each, shaded
 * by confidence (style.css's c0..c9, each at least 3:1 against the screen).
 * Spans do not break words: lines wrap at spaces.
 */
export class LiveText {
  constructor(parent, label) {
    this.el = document.createElement('div');
    this.el.className = 'sample';
    if (label) this.el.setAttribute('aria-label', label);
    parent.append(this.el);
    this.spans = [];
  }

  resize(length) {
    while (this.spans.length < length) {
      const s = document.createElement('span');
      s.className = 'c0';
      this.el.append(s);
      this.spans.push(s);
    }
    while (this.spans.length > length) this.spans.pop().remove();
  }

  /** show draws text with probs[offset + i] as position i's confidence. */
  show(text, probs, offset = 0) {
    this.resize(text.length);
    for (let i = 0; i < text.length; i++) {
      const s = this.spans[i];
      const ch = text[i];
      if (s.textContent !== ch) s.textContent = ch;
      const level = probs ? Math.min(LEVELS - 1, Math.floor(probs[offset + i] * LEVELS)) : LEVELS - 1;
      const cls = `c${level}`;
      if (s.className !== cls) s.className = cls;
    }
  }

  /** finish shows the final text plainly, as one text node (easy to copy). */
  finish(text) {
    this.spans = [];
    this.el.textContent = text;
    this.el.classList.add('done');
  }
}

/** ConfidenceChart plots mean confidence (0..1) against t (0..1). */
export class ConfidenceChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.points = [];
    this.draw();
  }

  clear() { this.points = []; this.draw(); }

  add(t, mean) { this.points.push([t, mean]); this.draw(); }

  draw() {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = c.clientWidth || 300, h = c.clientHeight || 120;
    if (c.width !== Math.round(w * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const css = getComputedStyle(c);
    const ink = css.getPropertyValue('--chart-ink').trim() || '#555';
    const line = css.getPropertyValue('--chart-line').trim() || '#6a5acd';
    const pad = { l: 30, r: 8, t: 8, b: 20 };
    const x = (t) => pad.l + t * (w - pad.l - pad.r);
    const y = (v) => h - pad.b - v * (h - pad.t - pad.b);
    g.strokeStyle = ink; g.globalAlpha = 0.25; g.lineWidth = 1;
    for (const v of [0, 0.5, 1]) { g.beginPath(); g.moveTo(pad.l, y(v)); g.lineTo(w - pad.r, y(v)); g.stroke(); }
    g.globalAlpha = 1; g.fillStyle = ink; g.font = '10px system-ui, sans-serif';
    g.fillText('1', 14, y(1) + 4); g.fillText('0.5', 6, y(0.5) + 4); g.fillText('0', 14, y(0) + 4);
    g.fillText('t = 0', pad.l, h - 5); g.fillText('t = 1', w - pad.r - 26, h - 5);
    if (this.points.length === 0) return;
    g.strokeStyle = line; g.lineWidth = 2; g.beginPath();
    this.points.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
    g.stroke();
    const [lt, lv] = this.points[this.points.length - 1];
    g.fillStyle = line; g.beginPath(); g.arc(x(lt), y(lv), 3, 0, 2 * Math.PI); g.fill();
  }
}

/** meanOf is the mean of a Float32Array. */
export function meanOf(a) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
}

/** formatMs prints a duration for people. */
export function formatMs(ms) {
  if (!(ms >= 0)) return '–';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * wholeNumber reads a form field or attribute as a whole number of at least
 * min, or returns an error. It checks the syntax only: the limits (most
 * steps, samples, the model's length) are the engine's, which checks every
 * request (Engine.preview).
 */
export function wholeNumber(raw, name, min = 0) {
  const s = String(raw ?? '').trim();
  if (!/^\d+$/.test(s)) return { error: `${name} must be a whole number` };
  const v = Number(s);
  if (!Number.isSafeInteger(v)) return { error: `${name} is too large` };
  if (v < min) return { error: `${name} must be at least ${min}` };
  return { value: v };
}

/**
 * ImageGrid draws an image model's samples as one grid on a canvas, the
 * layout of `rdlm sample --png`: near-square columns, each value enlarged by
 * whole pixels (about 64 screen pixels a side) so that 14x14 digits can be
 * seen, and a grey border between images so black on black does not merge.
 * image is the engine's {height, width, channels}; pixels are 0-255 values
 * (samples, height, width, channels). zoom enlarges the grid on screen
 * (never past its container) without resampling: the pixels stay sharp.
 */
export class ImageGrid {
  constructor(canvas, image, n, { zoom = 1 } = {}) {
    this.canvas = canvas;
    this.image = image;
    this.n = n;
    this.cols = 1;
    while (this.cols * this.cols < n) this.cols++;
    this.scale = Math.max(1, Math.floor(64 / image.height));
    const size = gridSize(n, image, this.cols, this.scale);
    canvas.width = size.width;
    canvas.height = size.height;
    canvas.style.width = `${size.width * zoom}px`;
    this.g = canvas.getContext('2d');
    this.frame = this.g.createImageData(size.width, size.height);
    const d = this.frame.data;
    for (let i = 0; i < d.length; i += 4) { d[i] = d[i + 1] = d[i + 2] = 64; d[i + 3] = 255; }
    this.g.putImageData(this.frame, 0, 0);
  }

  /** show draws count images from pixels as samples first, first+1, … */
  show(pixels, first, count) {
    const { height: H, width: W, channels: C } = this.image;
    const s = this.scale, stride = this.canvas.width, d = this.frame.data;
    for (let k = 0; k < count && first + k < this.n; k++) {
      const at = first + k;
      const ox = s + (at % this.cols) * (W * s + s), oy = s + Math.floor(at / this.cols) * (H * s + s);
      const base = k * H * W * C;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = base + (y * W + x) * C;
          const r = pixels[p], g = C === 3 ? pixels[p + 1] : r, b = C === 3 ? pixels[p + 2] : r;
          for (let dy = 0; dy < s; dy++) {
            let o = ((oy + y * s + dy) * stride + ox + x * s) * 4;
            for (let dx = 0; dx < s; dx++, o += 4) { d[o] = r; d[o + 1] = g; d[o + 2] = b; }
          }
        }
      }
    }
    this.g.putImageData(this.frame, 0, 0);
  }
}

/** gridSize is the canvas size ImageGrid uses for n images. */
export function gridSize(n, image, cols, scale) {
  const rows = Math.ceil(n / cols);
  return { width: cols * (image.width * scale + scale) + scale, height: rows * (image.height * scale + scale) + scale };
}

/** describeImage says what an image model draws, e.g. "14×14 grey images, 2 base-16 digits per value". */
export function describeImage(image) {
  const colour = image.channels === 3 ? 'colour' : 'grey';
  const spelt = image.digits > 1 ? `${image.digits} base-${image.base} digits per value` : '256 levels per value';
  return `${image.height}×${image.width} ${colour} images, ${spelt}`;
}
