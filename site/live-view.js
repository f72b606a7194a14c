// The live view of a generation, shared by the page and the widget: each
// position's most likely character, shaded by its probability, and a small
// chart of mean confidence against t. Text always goes in as textContent.

const LEVELS = 10; // shading steps: classes c0 (noise) .. c9 (certain)

/** LiveText shows one sample as a row of characters. */
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

/** intInRange parses a decimal integer in [lo, hi], or returns an error string. */
export function intInRange(raw, name, lo, hi) {
  const s = String(raw ?? '').trim();
  if (!/^\d+$/.test(s)) return { error: `${name} must be a whole number` };
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < lo || v > hi) return { error: `${name} must be between ${lo} and ${hi}` };
  return { value: v };
}
