/** What a run of the current settings needs: memory (methods that estimate it) and where the real data lives. */
import { chooseResidency, estimateRunBytes, formatBytes, residentDataBytes } from '../../../shared/memory';
import { methodInfo } from '../../../shared/methods';
import { useApp } from '../../store';

/** The memory a run of the current settings will need (methods whose descriptor estimates it), and what to lower when the backend has less. */
export function MemoryEstimate() {
  const config = useApp((s) => s.config);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  const needed = dataset ? estimateRunBytes(config, dataset.shape, dataset.classes.length) : null;
  if (needed === null) return null;
  const over = backend !== null && needed > backend.memoryBudget;
  return (
    <>
      <p className={over ? 'field__hint field__hint--error memory-estimate' : 'field__hint memory-estimate'} data-testid="memory-estimate" role={over ? 'alert' : undefined}>
        Needs about {formatBytes(needed)} of memory
        {backend ? `; ${backend.backend} offers about ${formatBytes(backend.memoryBudget)}` : ''}
        {over ? `. ${methodInfo(config.method).memoryAdvice ?? ''}` : '.'}
      </p>
      <ResidentEstimate />
    </>
  );
}

/**
 * Whether the run's dataset will be resident on the device (issue 15: the worker's default, 'auto'), its size,
 * and why not when it will not; beside the memory estimate (MTT, KRR) or under the real images per class (DM, DC).
 */
export function ResidentEstimate() {
  const config = useApp((s) => s.config);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  if (!dataset || !backend) return null;
  const needed = estimateRunBytes(config, dataset.shape, dataset.classes.length);
  const r = chooseResidency('auto', backend.backend, residentDataBytes(dataset.trainCount, dataset.shape), needed, backend.memoryBudget);
  return (
    <p className="field__hint memory-estimate" data-testid="resident-estimate" data-resident={r.resident}>
      Real data: {r.reason}.
    </p>
  );
}
