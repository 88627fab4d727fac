import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { UserError } from '../../src/core/errors.js';
import { decodeImageBuffer, loadImage, saveImagePng } from '../../src/data/image.js';
import { fixture } from '../helpers/fixtures.js';

/** RGB at (y, x) of a canonical 3xHxW image. */
function rgbAt(img: Float32Array, h: number, w: number, y: number, x: number): number[] {
  return [0, 1, 2].map((c) => img[c * h * w + y * w + x]!);
}

/** Colour match within `tol` per channel: lanczos3 rings a little near edges. */
function assertColour(actual: number[], expected: number[], tol = 0.03): void {
  assert.ok(actual.every((v, c) => Math.abs(v - expected[c]!) <= tol), `got ${actual}, expected ${expected}`);
}

function assertCanonical(img: Float32Array, h: number, w: number): void {
  assert.equal(img.length, 3 * h * w);
  for (const v of img) assert.ok(v >= 0 && v <= 1, `value ${v} outside [0,1]`);
}

/** A 40 wide x 20 high PNG of four 10-pixel vertical stripes: red, green, blue, white. */
async function stripesPng(): Promise<Buffer> {
  const [w, h] = [40, 20];
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(colours[Math.floor(x / 10)]!, (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

const RED = [1, 0, 0];
const GREEN = [0, 1, 0];
const BLUE = [0, 0, 1];
const WHITE = [1, 1, 1];

describe('loadImage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'robustscope-image-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a photo into canonical NCHW [0,1] at the requested size', async () => {
    const img = await loadImage(fixture('images', 'imagenet', 'wonnx-pelican.jpeg'), 224, 200);
    assertCanonical(img, 224, 200);
    // A real photo uses the range and is not constant per channel.
    assert.ok(img.reduce((a, b) => Math.max(a, b)) > 0.9 && img.reduce((a, b) => Math.min(a, b)) < 0.1);
  });

  it('shorter-side-crop scales the short side to the target and keeps the centre', async () => {
    // 40x20 -> 20x10, then columns 5..14 remain: green (0-4) then blue (5-9).
    const img = await decodeImageBuffer(await stripesPng(), 10, 10);
    assertCanonical(img, 10, 10);
    for (const y of [0, 5, 9]) {
      for (const x of [1, 2, 3]) assertColour(rgbAt(img, 10, 10, y, x), GREEN);
      for (const x of [6, 7, 8]) assertColour(rgbAt(img, 10, 10, y, x), BLUE);
    }
  });

  it('shorter-side-crop covers a non-square target', async () => {
    // 40x20 -> 4 high x 12 wide: scale 0.3 gives 12x6, the middle 4 rows stay, all four stripes visible.
    const img = await decodeImageBuffer(await stripesPng(), 4, 12);
    assertColour(rgbAt(img, 4, 12, 2, 0), RED);
    assertColour(rgbAt(img, 4, 12, 2, 4), GREEN);
    assertColour(rgbAt(img, 4, 12, 2, 7), BLUE);
    assertColour(rgbAt(img, 4, 12, 2, 11), WHITE);
  });

  it('stretch keeps the whole image, squeezing the width', async () => {
    const img = await decodeImageBuffer(await stripesPng(), 10, 10, { resize: 'stretch' });
    assertCanonical(img, 10, 10);
    assertColour(rgbAt(img, 10, 10, 5, 0), RED);
    assertColour(rgbAt(img, 10, 10, 5, 3), GREEN);
    assertColour(rgbAt(img, 10, 10, 5, 6), BLUE);
    assertColour(rgbAt(img, 10, 10, 5, 9), WHITE);
  });

  it('converts a one-channel greyscale PNG to three equal channels', async () => {
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 100, g: 100, b: 100 } } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    assert.equal((await sharp(png).metadata()).channels, 1);
    const img = await decodeImageBuffer(png, 4, 4);
    assertCanonical(img, 4, 4);
    for (let p = 0; p < 16; p++) {
      assert.equal(img[p], Math.fround(100 / 255));
      assert.equal(img[16 + p], img[p]);
      assert.equal(img[32 + p], img[p]);
    }
  });

  it('loads the greyscale MNIST jpgs with equal channels', async () => {
    for (const digit of ['0', '3', '5', '7']) {
      const img = await loadImage(fixture('images', 'mnist', `${digit}.jpg`), 28, 28);
      assertCanonical(img, 28, 28);
      const plane = 28 * 28;
      for (let p = 0; p < plane; p++) {
        assert.equal(img[plane + p], img[p]);
        assert.equal(img[2 * plane + p], img[p]);
      }
      // White digit on black: dark corner, bright strokes.
      assert.ok(img[0]! < 0.1);
      assert.ok(img.reduce((a, b) => Math.max(a, b)) > 0.9);
    }
  });

  it('composites alpha over white', async () => {
    // Red at half opacity over white: (1, 0.5, 0.5).
    const png = await sharp({ create: { width: 6, height: 6, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const img = await decodeImageBuffer(png, 3, 3);
    assertCanonical(img, 3, 3);
    assertColour(rgbAt(img, 3, 3, 1, 1), [1, 0.5, 0.5], 0.01);
  });

  it('converts palette, 16-bit and CMYK images to RGB', async () => {
    const red = { create: { width: 6, height: 6, channels: 3 as const, background: { r: 255, g: 0, b: 0 } } };
    const palette = await sharp(red).png({ palette: true }).toBuffer();
    assertColour(rgbAt(await decodeImageBuffer(palette, 3, 3), 3, 3, 1, 1), RED);
    const deep = await sharp(red).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(deep).metadata()).depth, 'ushort');
    assertColour(rgbAt(await decodeImageBuffer(deep, 3, 3), 3, 3, 1, 1), RED);
    // CMYK goes through colour profiles, so red comes back only approximately.
    const cmyk = await sharp(red).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    assertColour(rgbAt(await decodeImageBuffer(cmyk, 3, 3), 3, 3, 1, 1), RED, 0.15);
  });

  it('rejects random bytes and a truncated JPEG with a UserError naming the file', async () => {
    const garbage = join(dir, 'garbage.png');
    await writeFile(garbage, Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 251)));
    const jpeg = await readFile(fixture('images', 'imagenet', 'wonnx-pelican.jpeg'));
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, jpeg.subarray(0, jpeg.length >> 1));
    for (const path of [garbage, truncated]) {
      await assert.rejects(loadImage(path, 8, 8), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.ok(err.message.startsWith(`${path}: cannot decode image (`), err.message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    }
  });

  it('rejects a missing file with a UserError naming it', async () => {
    const path = join(dir, 'missing.jpg');
    await assert.rejects(loadImage(path, 8, 8), (err: unknown) => err instanceof UserError && err.message.includes(path));
  });
});

describe('saveImagePng', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'robustscope-png-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a canonical image within 8-bit quantisation, clipping out-of-range values', async () => {
    const [h, w] = [5, 7];
    const plane = h * w;
    // Two images back to back; save the second.
    const x = new Float32Array(2 * 3 * plane);
    for (let i = 0; i < 3 * plane; i++) x[3 * plane + i] = (i * 37) % 101 / 100;
    x[3 * plane] = -0.2;
    x[3 * plane + 1] = 1.3;
    const path = join(dir, 'adv.png');
    await saveImagePng(path, x, 3 * plane, 3, h, w);
    const meta = await sharp(path).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', w, h, 3]);
    const back = await loadImage(path, h, w);
    assert.equal(back[0], 0);
    assert.equal(back[1], 1);
    for (let i = 2; i < 3 * plane; i++) assert.ok(Math.abs(back[i]! - x[3 * plane + i]!) <= 0.5 / 255 + 1e-7);
  });

  it('writes a one-channel image as greyscale', async () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 11);
    const path = join(dir, 'grey.png');
    await saveImagePng(path, x, 0, 1, 3, 4);
    assert.equal((await sharp(path).metadata()).channels, 1);
    const back = await loadImage(path, 3, 4);
    for (let i = 0; i < 12; i++) assert.equal(back[i], Math.fround(Math.round((i / 11) * 255) / 255));
  });

  it('reports an unwritable path as a UserError', async () => {
    const path = join(dir, 'no-such-folder', 'x.png');
    await assert.rejects(saveImagePng(path, new Float32Array(3), 0, 3, 1, 1), (err: unknown) => {
      return err instanceof UserError && err.message.startsWith(`${path}: cannot write image`);
    });
  });
});
