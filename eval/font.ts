/**
 * A 3x5 pixel font (digits, capitals, a few signs; lower case is drawn as capitals, σ as S) so
 * that labels can be drawn into the PNG pictures without a font library.
 */
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111',
  '4': '101101111001001', '5': '111100111001111', '6': '111100111101111', '7': '111001001001001',
  '8': '111101111101111', '9': '111101111001111',
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110',
  E: '111100110100111', F: '111100110100100', G: '011100101101011', H: '101101111101101',
  I: '111010010010111', J: '001001001101010', K: '101101110101101', L: '100100100100111',
  M: '101111111101101', N: '110101101101101', O: '010101101101010', P: '110101110100100',
  Q: '010101101110011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101',
  Y: '101101010010010', Z: '111001010100111',
  '.': '000000000000010', '=': '000111000111000', '-': '000000111000000', '+': '000010111010000',
  ':': '000010000010000', '/': '001001010100100', '(': '010100100100010', ')': '010001001001010',
  ',': '000000000010100', '%': '101001010100101', ' ': '000000000000000',
};

export const GLYPH_W = 4; // 3 pixels + 1 gap
export const GLYPH_H = 6;

function glyph(ch: string): string {
  if (ch === 'σ') return GLYPHS.S;
  return GLYPHS[ch.toUpperCase()] ?? GLYPHS['-'];
}

/**
 * Draws `text` into a grayscale image (values in [0, 1]) at (x, y), `scale` pixels per font
 * pixel; vertical = true writes bottom-to-top (rotated 90 degrees counter-clockwise).
 */
export function drawText(img: Float32Array, width: number, text: string, x: number, y: number, scale = 1, value = 0, vertical = false): void {
  [...text.replace(/σ/g, 'sigma')].forEach((ch, k) => {
    const g = glyph(ch);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) {
      if (g[r * 3 + c] !== '1') continue;
      for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) {
        // horizontal: column advances with k; vertical: text runs upwards from (x, y)
        const px = vertical ? x + (r * scale + a) : x + (k * GLYPH_W + c) * scale + b;
        const py = vertical ? y - (k * GLYPH_W + c) * scale - b : y + r * scale + a;
        if (px >= 0 && px < width && py >= 0 && py * width + px < img.length) img[py * width + px] = value;
      }
    }
  });
}
