/**
 * Setup for the unit tests that share a process (vite.config.ts, project 'core': a fork runs many test files in one
 * module graph). The first code to start the wasm backend fixes its build for the whole process; here that is the
 * single-threaded build, always, whichever file comes first: two forks already keep both cores busy, and a threaded
 * build started by an in-process `distill` call made every later file in its fork compete with itself (one file took
 * 77 s instead of 20 s). The tests of wasm threads spawn `distill` processes of their own (src/cli/cli.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { initWasmWithThreads } from '../node/wasm-threads';

if (!tf.findBackend('wasm')) await initWasmWithThreads(1);
