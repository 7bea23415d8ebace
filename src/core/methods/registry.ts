/**
 * The engine's registry of distillation methods: one line per method, keyed like src/shared/methods.ts METHODS
 * (TypeScript checks both list the same ids). DistillRun, the worker and the CLI find a method here by its id.
 */
import type { MethodId } from '../../shared/methods';
import type { MethodImpl } from './method';
import { dc } from './dc/plugin';
import { dm } from './dm/plugin';
import { krr } from './krr/plugin';
import { mgdd } from './mgdd/plugin';
import { mtt } from './mtt/plugin';
import { sre2l } from './sre2l/plugin';

export const METHOD_IMPLS: { [Id in MethodId]: MethodImpl<Id> } = {
  dm,
  dc,
  krr,
  mtt,
  sre2l,
  mgdd,
};

/** The engine of method `id`. */
export function methodImpl(id: MethodId): MethodImpl {
  return METHOD_IMPLS[id] as MethodImpl;
}
