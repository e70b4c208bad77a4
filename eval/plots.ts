/**
 * Pictures: the reconstruction grid (one row per model and attack: the true image, then each
 * defense), as a PNG (no labels) and as an SVG with labels embedding the same PNG tiles; and the
 * privacy–utility plot (best attack PSNR vs FedSGD test accuracy) as SVG.
 */
import { encodePng, tile } from './png';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function gridPictures(grid: Record<string, Record<string, Float32Array>>, truths: Record<string, Float32Array>,
  defenses: string[]): { png: Buffer; svg: string } {
  const keys = Object.keys(grid);
  const rows = keys.map((k) => [truths[k.split(' ')[0]], ...defenses.map((d) => grid[k][d] ?? null)]);
  const t = tile(rows);
  const png = encodePng(t.pixels, t.width, t.height);
  const cell = 64, left = 110, top = 120;
  const w = left + (defenses.length + 1) * (cell + 6);
  const h = top + keys.length * (cell + 6);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`];
  ['true', ...defenses].forEach((d, c) => {
    const x = left + c * (cell + 6) + cell / 2;
    parts.push(`<text transform="translate(${x},${top - 6}) rotate(-50)">${esc(d)}</text>`);
  });
  rows.forEach((row, r) => {
    const y = top + r * (cell + 6);
    parts.push(`<text x="4" y="${y + cell / 2}">${esc(keys[r])}</text>`);
    row.forEach((img, c) => {
      if (!img) return;
      const data = encodePng(img, 28, 28).toString('base64');
      parts.push(`<image x="${left + c * (cell + 6)}" y="${y}" width="${cell}" height="${cell}" style="image-rendering:pixelated" href="data:image/png;base64,${data}"/>`);
    });
  });
  parts.push('</svg>');
  return { png, svg: parts.join('\n') };
}

export interface TradeoffPoint { label: string; family: string; psnr: number; accuracy: number; bytes: number }

const COLORS: Record<string, string> = { none: '#000000', noise: '#1f77b4', prune: '#d62728', dgp: '#2ca02c', adgp: '#9467bd' };

export function tradeoffSvg(points: TradeoffPoint[], title: string): string {
  const W = 760, H = 480, L = 60, R = 230, T = 40, B = 50;
  const xs = points.map((p) => p.psnr), ys = points.map((p) => p.accuracy);
  const x0 = Math.floor(Math.min(...xs) - 1), x1 = Math.ceil(Math.max(...xs) + 1);
  const y0 = Math.max(0, Math.floor((Math.min(...ys) - 0.02) * 50) / 50), y1 = Math.min(1, Math.ceil((Math.max(...ys) + 0.02) * 50) / 50);
  const sx = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v: number) => H - B - ((v - y0) / (y1 - y0)) * (H - T - B);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2 - 120}" y="${H - 12}">best attack PSNR (dB), lower = more private →  ←</text>`,
    `<text transform="translate(16,${(T + H - B) / 2 + 60}) rotate(-90)">FedSGD test accuracy</text>`];
  for (let v = x0; v <= x1; v += Math.max(1, Math.round((x1 - x0) / 10))) {
    out.push(`<line x1="${sx(v)}" y1="${H - B}" x2="${sx(v)}" y2="${H - B + 4}" stroke="black"/><text x="${sx(v) - 6}" y="${H - B + 16}">${v}</text>`);
  }
  for (let k = 0; k <= 5; k++) {
    const v = y0 + ((y1 - y0) * k) / 5;
    out.push(`<line x1="${L - 4}" y1="${sy(v)}" x2="${L}" y2="${sy(v)}" stroke="black"/><text x="${L - 40}" y="${sy(v) + 4}">${v.toFixed(2)}</text>`);
  }
  points.forEach((p, i) => {
    const c = COLORS[p.family] ?? '#888';
    out.push(`<circle cx="${sx(p.psnr)}" cy="${sy(p.accuracy)}" r="5" fill="${c}"/>`);
    out.push(`<text x="${sx(p.psnr) + 7}" y="${sy(p.accuracy) - 3}" fill="${c}" font-size="9">${i + 1}</text>`);
    out.push(`<text x="${W - R + 10}" y="${T + i * 14}" fill="${c}">${i + 1}: ${esc(p.label)} (${(p.bytes / 1024).toFixed(0)} KiB)</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
