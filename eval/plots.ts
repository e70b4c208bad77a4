/**
 * Pictures: the reconstruction grid as a PNG with the column labels drawn into it (font.ts), and
 * the privacy-utility plot (strongest attack's median PSNR with its 95% interval vs FedSGD test
 * accuracy mean ± sd) as SVG.
 */
import { encodePng } from './png';
import { drawText, GLYPH_W } from './font';
import type { Interval } from './stats';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** rows of 28x28 images (null = empty cell); one label per column, written upwards above it. */
export function gridPng(rows: Array<Array<Float32Array | null>>, colLabels: string[], zoom = 2, textScale = 2): Buffer {
  const cell = 28 * zoom, gap = 4;
  const cols = colLabels.length;
  const header = Math.max(...colLabels.map((l) => l.replace(/σ/g, 'sigma').length)) * GLYPH_W * textScale + 16;
  const width = gap + cols * (cell + gap);
  const height = header + gap + rows.length * (cell + gap);
  const img = new Float32Array(width * height).fill(1);
  colLabels.forEach((l, c) => drawText(img, width, l, gap + c * (cell + gap) + Math.floor((cell - 5 * textScale) / 2), header - 6, textScale, 0, true));
  rows.forEach((row, r) => row.forEach((x, c) => {
    const x0 = gap + c * (cell + gap), y0 = header + gap + r * (cell + gap);
    for (let y = 0; y < cell; y++) for (let xx = 0; xx < cell; xx++)
      img[(y0 + y) * width + x0 + xx] = x ? x[Math.floor(y / zoom) * 28 + Math.floor(xx / zoom)] : 0.5;
  }));
  return encodePng(img, width, height);
}

/** `sweep`: points with the same sweep name are joined by a line, in order of `at` (σ or top ratio) */
export interface TradeoffPoint { label: string; family: string; psnr: Interval; accuracy: number; accuracySd: number; bytes: number; sweep?: string; at?: number }

const COLORS: Record<string, string> = {
  none: '#000000', noise: '#1f77b4', prune: '#d62728', randomk: '#ff7f0e', toponly: '#8c564b', dgp: '#2ca02c', 'dgp+noise': '#17becf', 'prune+noise': '#e377c2', adgp: '#9467bd',
};

export function tradeoffSvg(points: TradeoffPoint[], title: string): string {
  const W = 940, H = 520, L = 60, R = 370, T = 40, B = 50;
  const xs = points.flatMap((p) => [p.psnr.lo, p.psnr.hi]), ys = points.flatMap((p) => [p.accuracy - p.accuracySd, p.accuracy + p.accuracySd]);
  const x0 = Math.floor(Math.min(...xs) - 1), x1 = Math.ceil(Math.max(...xs) + 1);
  const y0 = Math.max(0, Math.floor((Math.min(...ys) - 0.01) * 50) / 50), y1 = Math.min(1, Math.ceil((Math.max(...ys) + 0.01) * 50) / 50);
  const sx = (v: number) => L + ((v - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (v: number) => H - B - ((v - y0) / (y1 - y0 || 1)) * (H - T - B);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="12">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${L + 40}" y="${H - 12}">strongest attack, median PSNR (dB) with 95% CI; lower = more private</text>`,
    `<text transform="translate(16,${(T + H - B) / 2 + 60}) rotate(-90)">FedSGD test accuracy (mean ± sd)</text>`,
    `<line x1="${sx(20)}" y1="${T}" x2="${sx(20)}" y2="${H - B}" stroke="#bbb" stroke-dasharray="4 3"/><text x="${sx(20) + 3}" y="${T + 10}" fill="#888">20 dB</text>`];
  const step = Math.max(1, Math.round((x1 - x0) / 10));
  for (let v = x0; v <= x1; v += step) out.push(`<line x1="${sx(v)}" y1="${H - B}" x2="${sx(v)}" y2="${H - B + 4}" stroke="black"/><text x="${sx(v) - 6}" y="${H - B + 16}">${v}</text>`);
  for (let k = 0; k <= 5; k++) {
    const v = y0 + ((y1 - y0) * k) / 5;
    out.push(`<line x1="${L - 4}" y1="${sy(v)}" x2="${L}" y2="${sy(v)}" stroke="black"/><text x="${L - 40}" y="${sy(v) + 4}">${v.toFixed(2)}</text>`);
  }
  for (const name of new Set(points.map((p) => p.sweep).filter((n): n is string => !!n))) {
    const ps = points.filter((p) => p.sweep === name).sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
    if (ps.length < 2) continue;
    out.push(`<polyline fill="none" stroke="${COLORS[ps[0].family] ?? '#888'}" stroke-dasharray="5 3" points="${ps.map((p) => `${sx(p.psnr.estimate)},${sy(p.accuracy)}`).join(' ')}"/>`);
  }
  points.forEach((p, i) => {
    const c = COLORS[p.family] ?? '#888';
    const cx = sx(p.psnr.estimate), cy = sy(p.accuracy);
    out.push(`<line x1="${sx(p.psnr.lo)}" y1="${cy}" x2="${sx(p.psnr.hi)}" y2="${cy}" stroke="${c}"/>`);
    out.push(`<line x1="${cx}" y1="${sy(p.accuracy - p.accuracySd)}" x2="${cx}" y2="${sy(p.accuracy + p.accuracySd)}" stroke="${c}"/>`);
    out.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${c}"/>`);
    out.push(`<text x="${cx + 5}" y="${cy - 4}" fill="${c}" font-size="9">${i + 1}</text>`);
    out.push(`<text x="${W - R + 10}" y="${T + i * 14}" fill="${c}">${i + 1}: ${esc(p.label)} (${(p.bytes / 1024).toFixed(0)} KiB/round)</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
