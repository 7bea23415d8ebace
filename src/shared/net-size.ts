/** A ConvNet's size as the memory estimates need it (plain arithmetic: the UI, the worker and the CLI share it). */

/** A ConvNet's shape as the estimate needs it. */
export interface NetSize {
  input: readonly [number, number, number];
  classes: number;
  width: number;
  depth: number;
}

/** Floats of the conv outputs of one image's forward pass (ConvNet-3: 28x28 inputs are padded to 32x32). */
export function convActivations(net: NetSize): number {
  let side = net.input[0] === 28 ? 32 : net.input[0];
  let total = 0;
  for (let i = 0; i < net.depth; i++) {
    total += side * side * net.width;
    side = Math.floor(side / 2);
  }
  return total;
}

/** Number of parameters of the ConvNet. */
export function convParameters(net: NetSize): number {
  let inC = net.input[2];
  let total = 0;
  for (let i = 0; i < net.depth; i++) {
    total += 9 * inC * net.width + 3 * net.width;
    inC = net.width;
  }
  let side = net.input[0] === 28 ? 32 : net.input[0];
  for (let i = 0; i < net.depth; i++) side = Math.floor(side / 2);
  return total + (side * side * net.width + 1) * net.classes;
}
