import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError, messageOf } from '../core/errors.js';

/**
 * How an image of any aspect ratio becomes height x width.
 * - 'shorter-side-crop' (default): scale so the image just covers height x width (for a square target: the
 *   shorter side becomes the target), then take the centre. Aspect ratio is kept, the edges are lost.
 * - 'stretch': scale each axis independently to height x width, as Keras/TF-style reference pipelines do.
 */
export type ResizeMode = 'shorter-side-crop' | 'stretch';

export interface LoadImageOptions {
  resize?: ResizeMode;
}

/**
 * Decodes an encoded image (JPEG, PNG, WebP, GIF, TIFF, AVIF) into canonical space: float32, NCHW, RGB,
 * values in [0,1], length 3 * height * width. `source` names the image in error messages.
 *
 * Colour: greyscale, palette, CMYK and ICC-tagged images are converted to sRGB; alpha is composited over
 * white, because most classifiers were trained on photos without transparency and white is what viewers
 * and browsers show behind transparent pixels. EXIF orientation is ignored, as PIL/torchvision and
 * TF's decoders do, so pixels match the reference pipelines the models were evaluated with.
 *
 * Resampling is antialiased in both modes (libvips reduces with the kernel widened by the scale factor,
 * like PIL): 'shorter-side-crop' uses lanczos3 (sharp's default), 'stretch' uses bilinear ('linear').
 */
export async function decodeImageBuffer(
  data: Uint8Array,
  height: number,
  width: number,
  opts: LoadImageOptions = {},
  source = 'image',
): Promise<Float32Array> {
  checkSize(height, width);
  const mode = opts.resize ?? 'shorter-side-crop';
  let pixels: Buffer;
  try {
    // failOn 'warning' (sharp's default, stated to be explicit) rejects truncated and corrupt files
    // instead of returning a half-grey image that would silently skew accuracy.
    const { data: raw, info } = await sharp(data, { failOn: 'warning' })
      .flatten({ background: '#ffffff' })
      .resize(width, height, {
        fit: mode === 'stretch' ? 'fill' : 'cover',
        position: 'centre',
        kernel: mode === 'stretch' ? 'linear' : 'lanczos3',
        // Decode at full resolution: JPEG shrink-on-load would make the result depend on libjpeg's
        // DCT-domain scaling rather than on the chosen kernel.
        fastShrinkOnLoad: false,
      })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height || info.channels !== 3) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
    }
    pixels = raw;
  } catch (err) {
    throw new UserError(`${source}: cannot decode image (${messageOf(err)})`, { cause: err });
  }
  return hwcToChw(pixels, height, width);
}

/** Reads and decodes the image file at `path`; see decodeImageBuffer for colour and resampling. */
export async function loadImage(
  path: string,
  height: number,
  width: number,
  opts: LoadImageOptions = {},
): Promise<Float32Array> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read image (${messageOf(err)})`, { cause: err });
  }
  return decodeImageBuffer(data, height, width, opts, path);
}

/**
 * Writes one canonical image (c = 1 or 3 channels, NCHW, starting at `offset` in `x`) as an 8-bit PNG.
 * Values are clipped to [0,1] and rounded to the nearest of 256 levels, so an image saved and loaded back
 * differs by at most 1/510 per value (plus whatever was outside [0,1]).
 */
export async function saveImagePng(
  path: string,
  x: Float32Array,
  offset: number,
  c: number,
  h: number,
  w: number,
): Promise<void> {
  if (c !== 1 && c !== 3) throw new RangeError(`saveImagePng: ${c} channels, expected 1 or 3`);
  checkSize(h, w);
  const plane = h * w;
  if (offset < 0 || offset + c * plane > x.length) {
    throw new RangeError(`saveImagePng: ${c}x${h}x${w} at offset ${offset} exceeds an array of ${x.length}`);
  }
  const hwc = Buffer.alloc(c * plane);
  for (let ch = 0; ch < c; ch++) {
    const base = offset + ch * plane;
    for (let p = 0; p < plane; p++) {
      const v = x[base + p]!;
      // NaN maps to 0: `v > 0` is false for NaN.
      hwc[p * c + ch] = v > 0 ? Math.round(Math.min(v, 1) * 255) : 0;
    }
  }
  try {
    // Without an explicit colourspace sharp widens one-channel input to RGB.
    await sharp(hwc, { raw: { width: w, height: h, channels: c } })
      .toColourspace(c === 1 ? 'b-w' : 'srgb')
      .png()
      .toFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot write image (${messageOf(err)})`, { cause: err });
  }
}

function checkSize(height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`image size must be positive integers, got ${height}x${width}`);
  }
}

function hwcToChw(pixels: Uint8Array, height: number, width: number): Float32Array {
  const plane = height * width;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    out[p] = pixels[3 * p]! / 255;
    out[plane + p] = pixels[3 * p + 1]! / 255;
    out[2 * plane + p] = pixels[3 * p + 2]! / 255;
  }
  return out;
}
