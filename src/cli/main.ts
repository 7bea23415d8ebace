/**
 * The `distill` command: the engine in Node, on the same core as the browser (src/cli/command.ts).
 *   distill run --dataset mnist --data DIR --method dm --ipc 10 --iterations 200 --out run.json --png grid.png --npz set.npz
 *   distill eval --npz set.npz --data DIR --eval-epochs 300 --eval-models 2 --out eval.json
 *   distill lab multi-index --d 20 --r 2
 * Progress goes to stderr; bad arguments and bad files exit non-zero with one line naming them.
 */
import { silenceTfjsNodeBanner } from '../node/quiet-tfjs';
import { processIo } from './io';

// The cpu backend's banner about tfjs-node: the CLI says which backend it uses and why.
silenceTfjsNodeBanner();

const { distillCommand } = await import('./command');
process.exitCode = await distillCommand(process.argv.slice(2), processIo);
