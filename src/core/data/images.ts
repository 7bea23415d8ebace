/**
 * PNG and JPEG decoding with pure-JS decoders (fast-png, jpeg-js): the same bytes give the same pixels in the
 * worker and in Node. Sizes are checked from the header before decoding; errors are DatasetFormatErrors naming the file.
 */
import { convertIndexedToRgb, decode as decodePngImage } from 'fast-png';
import { decode as decodeJpegImage } from 'jpeg-js';
import { DatasetFormatError } from './errors';

/** Largest image side accepted (the methods run ConvNets on whole images: bigger ones do not fit a tab). */
export const MAX_IMAGE_SIDE = 256;

/** A decoded image as interleaved RGB, and whether every pixel is grey (R = G = B). */
export interface DecodedImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  gray: boolean;
}

export type ImageKind = 'png' | 'jpeg';

/** The image format a file name says (by extension), or null for anything else. */
export function imageKindOf(name: string): ImageKind | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.png')) return 'png';
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) return 'jpeg';
  return null;
}

function checkSide(file: string, width: number, height: number): void {
  if (width === 0 || height === 0) throw new DatasetFormatError(file, `the image is ${width}x${height}`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new DatasetFormatError(file, `the image is ${width}x${height}; at most ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE} is accepted (resize the images)`);
  }
}

function finish(width: number, height: number, rgb: Uint8Array): DecodedImage {
  let gray = true;
  for (let i = 0; i < rgb.length && gray; i += 3) gray = rgb[i] === rgb[i + 1] && rgb[i] === rgb[i + 2];
  return { width, height, rgb, gray };
}

function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length < 24 || bytes[0] !== 0x89 || bytes[1] !== 0x50 || bytes[2] !== 0x4e || bytes[3] !== 0x47) {
    throw new DatasetFormatError(file, 'not a PNG image (no PNG signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkSide(file, view.getUint32(16), view.getUint32(20));
  let png;
  try {
    png = decodePngImage(bytes, { checkCrc: true });
  } catch (e) {
    throw new DatasetFormatError(file, `corrupt PNG (${e instanceof Error ? e.message : String(e)})`);
  }
  const { width, height } = png;
  checkSide(file, width, height);
  const pixels = width * height;
  let data: ArrayLike<number> = png.data;
  let channels = png.channels;
  let shift = png.depth === 16 ? 8 : 0;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = data.length / pixels;
    shift = 0;
  } else if (png.depth !== 8 && png.depth !== 16) {
    throw new DatasetFormatError(file, `${png.depth}-bit PNGs are not supported; save the images with 8 bits per channel`);
  }
  if (data.length < pixels * channels) throw new DatasetFormatError(file, 'corrupt PNG (too little pixel data)');
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const at = p * channels;
    if (channels <= 2) {
      const v = data[at]! >> shift;
      rgb[p * 3] = v;
      rgb[p * 3 + 1] = v;
      rgb[p * 3 + 2] = v;
    } else {
      rgb[p * 3] = data[at]! >> shift;
      rgb[p * 3 + 1] = data[at + 1]! >> shift;
      rgb[p * 3 + 2] = data[at + 2]! >> shift;
    }
  }
  return finish(width, height, rgb);
}

function decodeJpeg(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new DatasetFormatError(file, 'not a JPEG image (no JPEG signature)');
  let img;
  try {
    img = decodeJpegImage(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: (MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 1e6,
      maxMemoryUsageInMB: 64,
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (/maxResolutionInMP/.test(why)) throw new DatasetFormatError(file, `the image is larger than ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE} (resize the images)`);
    throw new DatasetFormatError(file, `corrupt JPEG (${why})`);
  }
  checkSide(file, img.width, img.height);
  if (img.data.length !== img.width * img.height * 3) throw new DatasetFormatError(file, 'corrupt JPEG (too little pixel data)');
  return finish(img.width, img.height, img.data);
}

/** Decodes a PNG or JPEG file (by its extension) to RGB. */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length === 0) throw new DatasetFormatError(file, 'empty file (0 bytes)');
  const kind = imageKindOf(file);
  if (kind === 'png') return decodePng(bytes, file);
  if (kind === 'jpeg') return decodeJpeg(bytes, file);
  throw new DatasetFormatError(file, 'not a PNG or JPEG image');
}
