/** Dataset choices as the UI offers them. The id type comes through the protocol, so src/app never imports src/core. */
import type { RunConfig } from '../../shared/protocol';

export type DatasetId = RunConfig['dataset'];

export interface DatasetOption {
  id: DatasetId;
  label: string;
  hint: string;
}

export const DATASET_OPTIONS: readonly DatasetOption[] = [
  { id: 'mnist', label: 'MNIST', hint: 'Handwritten digits, 28×28 grey' },
  { id: 'fashion-mnist', label: 'Fashion-MNIST', hint: 'Clothing, 28×28 grey' },
  { id: 'cifar-10', label: 'CIFAR-10', hint: 'Small photos, 32×32 colour' },
];

export const DEFAULT_DATASET: DatasetId = 'mnist';

export function isDatasetId(v: unknown): v is DatasetId {
  return typeof v === 'string' && DATASET_OPTIONS.some((o) => o.id === v);
}

export function datasetLabel(id: DatasetId): string {
  if (id === 'custom') return 'Your dataset';
  return DATASET_OPTIONS.find((o) => o.id === id)?.label ?? id;
}

/** Whether an id names a built-in dataset (one a link can load by itself). */
export function isBuiltIn(id: DatasetId): boolean {
  return DATASET_OPTIONS.some((o) => o.id === id);
}
