/**
 * The page's measurement hooks, for `npm run bench:page` and for anyone with a console open:
 * `window.__distillBench(cases?)` runs the page benchmark (core/run/bench.ts; by default PAGE_BENCH_CASES, a
 * warm-up and 5 timed iterations each) on the current backend and the loaded dataset, and keeps the result for the
 * device report; `window.__distillDeviceReport()` returns the report the Device section copies and downloads.
 */
import { benchmark } from './engine';
import { useApp } from './store';
import { PAGE_BENCH_CASES } from '../shared/bench-cases';
import type { BenchCase, BenchCaseResult } from '../shared/protocol';
import { APP_VERSION } from './lib/url';
import { adapterInfo, buildDeviceReport, recordBench, type DeviceReport } from './lib/device-report';

declare global {
  interface Window {
    __distillBench?: (cases?: BenchCase[]) => Promise<BenchCaseResult[]>;
    __distillDeviceReport?: () => Promise<DeviceReport>;
  }
}

export const DEFAULT_BENCH_CASES: BenchCase[] = PAGE_BENCH_CASES.map((c) => ({ ...c, warmup: 1, iterations: 5 }));

export async function deviceReport(): Promise<DeviceReport> {
  return buildDeviceReport(APP_VERSION, useApp.getState().backend, await adapterInfo());
}

if (typeof window !== 'undefined') {
  window.__distillBench = async (cases = DEFAULT_BENCH_CASES) => {
    const s = useApp.getState();
    if (s.backendStatus !== 'ready' || s.datasetStatus !== 'ready' || !s.backend) throw new Error('Wait until the backend and the dataset are ready.');
    const results = await benchmark(s.datasetId, cases);
    recordBench(s.backend.backend, results);
    return results;
  };
  window.__distillDeviceReport = deviceReport;
}
