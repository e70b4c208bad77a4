import * as zlib from 'zlib';
import { psnr, ssim, scoreBatch, labelAccuracy, PSNR_CAP } from '../../eval/metrics';
import { encodePng, crc32 } from '../../eval/png';

const N = 28 * 28;
const img = (f: (i: number) => number) => Float32Array.from({ length: N }, (_, i) => f(i));

describe('psnr', () => {
  test('identical images hit the cap', () => {
    const a = img((i) => (i % 7) / 7);
    expect(psnr(a, a)).toBe(PSNR_CAP);
  });
  test('constant error e gives -20 log10(e)', () => {
    const a = img(() => 0.5);
    const b = img(() => 0.6);
    expect(psnr(a, b)).toBeCloseTo(20, 4); // mse = 0.01
    expect(psnr(img(() => 0), img(() => 1))).toBeCloseTo(0, 6);
  });
  test('reconstruction is clipped to [0, 1] first', () => {
    expect(psnr(img(() => 1), img(() => 5))).toBe(PSNR_CAP);
  });
});

describe('ssim', () => {
  test('identical images give 1', () => {
    const a = img((i) => Math.sin(i) * 0.5 + 0.5);
    expect(ssim(a, a)).toBeCloseTo(1, 10);
  });
  test('a constant shift of two constant images follows the luminance term', () => {
    // both windows constant: variance terms cancel, SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1)
    const C1 = 1e-4;
    const expected = (2 * 0.2 * 0.6 + C1) / (0.04 + 0.36 + C1);
    expect(ssim(img(() => 0.2), img(() => 0.6))).toBeCloseTo(expected, 6); // the images are float32
  });
  test('an inverted pattern scores below 0, noise scores between', () => {
    const a = img((i) => ((i + Math.floor(i / 28)) % 2));
    const inv = img((i) => 1 - a[i]);
    expect(ssim(a, inv)).toBeLessThan(0);
    const noisy = img((i) => a[i] * 0.8 + 0.1 * ((i * 7919) % 13) / 13);
    const s = ssim(a, noisy);
    expect(s).toBeGreaterThan(0);
    expect(s).toBeLessThan(1);
  });
  test('symmetric', () => {
    const a = img((i) => (i % 5) / 5);
    const b = img((i) => (i % 3) / 3);
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 10);
  });
});

describe('scoreBatch', () => {
  test('finds the permutation of a shuffled batch', () => {
    const imgs = [0, 1, 2].map((k) => img((i) => ((i * (k + 2)) % 11) / 11));
    const truth = new Float32Array(3 * N); imgs.forEach((m, k) => truth.set(m, k * N));
    const rec = new Float32Array(3 * N); [2, 0, 1].forEach((k, j) => rec.set(imgs[k], j * N));
    const s = scoreBatch(truth, rec, 3);
    expect(s.psnr).toBe(PSNR_CAP);
    expect(s.ssim).toBeCloseTo(1, 10);
    expect(s.order).toEqual([1, 2, 0]);
  });
});

describe('labelAccuracy', () => {
  test('multiset matching', () => {
    expect(labelAccuracy([3], [3])).toBe(1);
    expect(labelAccuracy([3], [4])).toBe(0);
    expect(labelAccuracy([1, 1, 2, 5], [1, 2, 7, 5])).toBe(0.75);
  });
});

describe('png', () => {
  test('crc32 of "IEND" is the well-known constant', () => {
    expect(crc32(Buffer.from('IEND', 'ascii'))).toBe(0xae426082);
  });
  test('encodes a decodable grayscale image', () => {
    const px = Float32Array.from({ length: 6 }, (_, i) => i / 5);
    const png = encodePng(px, 3, 2);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    expect([...raw]).toEqual([0, 0, 51, 102, 0, 153, 204, 255]);
  });
});
