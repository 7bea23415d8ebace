/** SHA-256 via Web Crypto (Node 20, browsers, workers): no Node imports. */

/** Lower-case hex sha256 of `bytes` (hashes exactly the view's bytes). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Web Crypto wants an ArrayBuffer-backed view; copy only when the bytes live in a SharedArrayBuffer.
  const view: Uint8Array<ArrayBuffer> =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', view);
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * The fingerprint of a synthetic set: sha256 of its float32 values' bytes (NHWC, class-major, normalised space),
 * the run record's `syntheticSha256` and the page's fingerprint.
 */
export function pixelsSha256(pixels: Float32Array): Promise<string> {
  return sha256Hex(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
}
