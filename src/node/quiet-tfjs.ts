/**
 * TensorFlow.js's cpu backend prints, on its first tensor in Node, a banner asking to install tfjs-node (which
 * cannot install here, and which the CLI does not need: it says itself which backend it uses and why). This drops
 * that one message and lets every other warning through.
 */
const BANNER = 'Hi, looks like you are running TensorFlow.js in Node.js';

export function isTfjsNodeBanner(args: readonly unknown[]): boolean {
  return typeof args[0] === 'string' && args[0].includes(BANNER);
}

let installed = false;

/** Filters the banner out of console.warn, once per process. */
export function silenceTfjsNodeBanner(): void {
  if (installed) return;
  installed = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (!isTfjsNodeBanner(args)) warn(...args);
  };
}
