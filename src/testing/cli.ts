/**
 * Runs the `distill` command for the CLI's tests: `distill` as a user does (node bin/distill.mjs, a process of its
 * own), `distillHere` in the test's own process through the same entry (`distillCommand`, src/cli/command.ts) and
 * the same argument parser, without a process's start-up (TypeScript and TensorFlow.js loaded again: ~2 s each).
 * What only a process shows (the exit code the shell sees, stdout and stderr apart, no tfjs banner, the wasm thread
 * count, which is fixed once per process) is tested with `distill`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { distillCommand } from '../cli/command';

export const root = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command without blocking the test worker's event loop (a blocked worker times out vitest's RPC). */
export function distill(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [path.join(root, 'bin/distill.mjs'), ...args], { cwd: root });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The command in this process: the same lines, in the same streams, and the exit code it would have set. */
export async function distillHere(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const status = await distillCommand(args, { log: (line) => void (stderr += `${line}\n`), out: (line) => void (stdout += `${line}\n`) });
  return { status, stdout, stderr };
}
