import { useApp } from '../store';
import { useEval } from '../evalStore';
import { NumberField, SelectField } from './controls/fields';
import { formatInt } from '../lib/format';
import { EVAL_ARCHITECTURES, EVAL_LR_SCHEDULES, type EvalArchitecture, type EvalLrSchedule, type EvalSetName } from '../../shared/protocol';
import { describePoints, evalPoints } from '../../shared/eval-schedule';
import { LIMITS } from '../../shared/config';
import { hasTeacher, learnsSoftLabels } from '../../shared/methods';
import { baselineRows, seriesStyle, topIndices } from '../lib/compare';
import { AccuracyChart, SeriesLegend } from './CompareCharts';

const ROWS: { name: EvalSetName; label: string; hint: string }[] = [
  { name: 'distilled', label: 'Distilled (this run)', hint: 'the synthetic images' },
  { name: 'random', label: 'Random real', hint: 'real images picked at random' },
  { name: 'herding', label: 'Herding coreset', hint: 'real images whose mean feature tracks the class mean' },
  { name: 'kCenter', label: 'k-center coreset', hint: 'real images that cover the class in feature space' },
];

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** "distilled (this run) 95.7%, 95.9%; random real 53.1%": the networks tested so far, grouped by set, in order. */
function testedSoFar(tested: { set: EvalSetName; accuracy: number }[]): string {
  return ROWS.filter((r) => tested.some((t) => t.set === r.name))
    .map((r) => `${r.label.toLowerCase()} ${tested.filter((t) => t.set === r.name).map((t) => pct(t.accuracy)).join(', ')}`)
    .join('; ');
}

/** The current run's accuracy at its evaluation points, against iterations, with the baselines. */
function RunAccuracy() {
  const evals = useApp((s) => s.evalPoints);
  const evalProgress = useApp((s) => s.evalProgress);
  const label = useApp((s) => (s.runConfig ? 'This run' : ''));
  const total = useApp((s) => s.runConfig?.iterations ?? s.config.iterations);
  if (evals.length === 0 && !evalProgress) return null;
  const series = [{ label: `${label} (synthetic set)`, style: seriesStyle(0), points: evals }];
  const baselines = baselineRows([evals]);
  const p = evalProgress?.progress;
  return (
    <div className="run-accuracy" data-testid="run-accuracy">
      {p && evalProgress && (
        <p className="eval-note" data-testid="run-eval-progress">
          The run waits while its set after iteration {formatInt(evalProgress.iteration)} is evaluated: {p.set === 'distilled' ? 'synthetic set' : `${p.set} baseline`}, network {p.model + 1} of{' '}
          {p.models}, epoch {p.epoch + 1} of {p.epochs}.
        </p>
      )}
      {evals.length > 0 && (
        <>
          <AccuracyChart series={series} baselines={baselines} total={total} testId="run-accuracy-chart" />
          <SeriesLegend series={series} baselines={baselines} />
        </>
      )}
    </div>
  );
}

/** Evaluate the synthetic set under the field's protocol, beside random-real and coreset baselines. */
export function EvaluatePanel() {
  const runStatus = useApp((s) => s.runStatus);
  const importedFile = useApp((s) => (s.runStatus === 'idle' ? (s.imported?.file ?? null) : null));
  const { request, status, progress, tested, report, error, setRequest, evaluate, cancel, every, setEvery } = useEval();
  const testCount = useApp((s) => s.dataset?.testCount ?? 0);
  const iterations = useApp((s) => s.config.iterations);
  const running = status === 'running';
  const lastGood = useApp((s) => (s.runStatus === 'error' ? s.lastGood : null));
  const canEvaluate = (runStatus === 'paused' || runStatus === 'done' || importedFile !== null || lastGood !== null) && !running;
  // Soft labels: the set shown learned them (a run whose method learns labels, e.g. KRR's, or an imported .npz with soft_labels).
  const hasSoft = useApp((s) =>
    s.runStatus === 'idle' && s.imported ? s.imported.softLabels === true : learnsSoftLabels(s.runConfig ?? s.config),
  );
  // A teacher to relabel with: the shown set is a run's (not an import) whose method has one (SRe2L).
  const teacher = useApp((s) => !(s.runStatus === 'idle' && s.imported) && hasTeacher(s.runConfig ?? s.config));
  const labels = request.labels ?? 'hard';
  // The rows with the best mean (a shared top marks each; none when every row ties).
  const best = new Set(report ? topIndices(ROWS.map((r) => report.results[r.name].mean)) : []);

  let note = 'Pause or finish a run, then evaluate its synthetic images.';
  if (canEvaluate) note = 'Trains fresh networks on each set only, then tests them on the real test images.';
  if (canEvaluate && importedFile) note = `Evaluates the imported set (${importedFile}): trains fresh networks on it only, then tests them on the real test images.`;
  // The result in words, in the live note: a screen reader hears it when an evaluation ends (also during a run).
  if (status === 'done' && report && !running) {
    const d = report.results.distilled;
    note = `Evaluated after iteration ${formatInt(report.iteration)}: the ${importedFile ? 'imported' : 'synthetic'} set${report.request.labels === 'soft' ? ' on its soft labels' : report.request.labels === 'teacher' ? ' relabelled by its teacher' : ''} ${pct(d.mean)} ± ${pct(d.std)}, random real images ${pct(report.results.random.mean)}. ${note}`;
  }
  if (running && progress) note = `Training on the ${ROWS.find((r) => r.name === progress.set)?.label.toLowerCase()} set: network ${progress.model + 1} of ${progress.models}, epoch ${progress.epoch + 1} of ${progress.epochs}.`;
  // Each network's accuracy as soon as it is tested: a long evaluation shows its numbers as they come.
  if (running && progress && tested.length > 0) note += ` Tested so far: ${testedSoFar(tested)}.`;
  if (running && !progress) note = 'Preparing the baselines…';
  if (status === 'cancelled') note = 'Evaluation cancelled.';

  return (
    <section className="card" aria-labelledby="eval-title">
      <header className="card__header">
        <h2 className="card__title" id="eval-title">
          Evaluate
        </h2>
        <p className="card__meta">test accuracy, same images per class</p>
      </header>
      <div className="eval-controls">
        <NumberField
          label="Epochs"
          hint="Per network (papers: 300–1000)."
          value={request.epochs}
          min={1}
          max={2000}
          disabled={running}
          testId="eval-epochs-input"
          onCommit={(epochs) => setRequest({ epochs })}
        />
        <NumberField
          label="Networks"
          hint="Fresh networks per set (mean ± std)."
          value={request.models}
          min={1}
          max={10}
          disabled={running}
          testId="eval-models-input"
          onCommit={(models) => setRequest({ models })}
        />
        <SelectField<EvalArchitecture>
          label="Network"
          hint={EVAL_ARCHITECTURES[request.architecture ?? 'convnet'].hint}
          value={request.architecture ?? 'convnet'}
          options={Object.entries(EVAL_ARCHITECTURES).map(([v, a]) => [v as EvalArchitecture, a.label])}
          disabled={running}
          testId="eval-arch-select"
          onChange={(architecture) => setRequest({ architecture })}
        />
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={request.dsa ?? false} disabled={running} data-testid="eval-dsa-input" onChange={(e) => setRequest({ dsa: e.target.checked })} />
            <span className="field__label">DSA in evaluation</span>
          </label>
          <p className="field__hint">A fresh DSA augmentation every training step (the DSA, DM, IDC protocol); the baselines get the same.</p>
        </div>
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={request.cutmix ?? false} disabled={running} data-testid="eval-cutmix-input" onChange={(e) => setRequest({ cutmix: e.target.checked })} />
            <span className="field__label">CutMix in evaluation</span>
          </label>
          <p className="field__hint">Half the training batches paste a box from other images, their labels mixed by area (IDC’s and DREAM’s protocol, with DSA on); the baselines get the same.</p>
        </div>
        <SelectField<EvalLrSchedule>
          label="Learning-rate schedule"
          hint={`${EVAL_LR_SCHEDULES[request.lrSchedule ?? 'half'].hint} The baselines get the same.`}
          value={request.lrSchedule ?? 'half'}
          options={Object.entries(EVAL_LR_SCHEDULES).map(([v, s]) => [v as EvalLrSchedule, s.label])}
          disabled={running}
          testId="eval-lr-schedule-select"
          onChange={(lrSchedule) => setRequest({ lrSchedule })}
        />
        <SelectField<'hard' | 'soft' | 'teacher'>
          label="Labels"
          hint={
            labels === 'teacher'
              ? 'Teacher: the run’s teacher relabels every augmented training batch of every set, the baselines’ too (SRe2L’s protocol, a stated variant; use it with DSA on).'
              : hasSoft
                ? 'Soft: train on the set’s learned labels (cross-entropy against each image’s distribution), a stated variant; the baselines keep class labels.'
                : 'Class labels (the protocol). Soft labels need a set that learned them (KRR with learned labels).'
          }
          value={labels}
          options={[
            ['hard', 'Class labels'],
            ['soft', 'Soft (learned)'],
            ...(teacher || labels === 'teacher' ? [['teacher', 'Teacher (relabel)'] as ['teacher', string]] : []),
          ]}
          disabled={running || (!hasSoft && !teacher && labels === 'hard')}
          testId="eval-labels-select"
          onChange={(labels) => setRequest({ labels })}
        />
        <NumberField
          label="Test images"
          hint="0: the whole test set; fewer is quicker."
          value={request.testLimit}
          min={0}
          max={Math.max(testCount, 1)}
          disabled={running}
          testId="eval-test-input"
          onCommit={(testLimit) => setRequest({ testLimit })}
        />
        <NumberField
          label="Evaluate every"
          hint={every >= 1 ? `During a run: iterations ${describePoints(evalPoints(iterations, every))}.` : 'Iterations between evaluations during a run (0: off).'}
          value={every}
          min={0}
          max={LIMITS.iterations.max}
          disabled={running}
          testId="eval-every-input"
          onCommit={setEvery}
        />
        <div className="eval-controls__buttons">
          {running ? (
            <button type="button" className="btn" data-testid="eval-cancel" onClick={cancel}>
              Cancel
            </button>
          ) : (
            <button type="button" className="btn btn--primary" data-testid="eval-button" disabled={!canEvaluate} onClick={() => void evaluate()}>
              Evaluate
            </button>
          )}
        </div>
      </div>
      <p className="eval-note" aria-live="polite" data-testid="eval-note">
        {note}
      </p>
      <p className="field__hint">
        To put two settings side by side (say DREAM and uniform sampling), use <a href="#compare-title">Compare runs</a> below.
      </p>
      {running && (
        <div
          className="bar"
          role="progressbar"
          aria-label="Evaluation progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round((progress?.fraction ?? 0) * 100)}
          data-testid="eval-progress"
        >
          <div className="bar__fill" style={{ width: `${(progress?.fraction ?? 0) * 100}%` }} />
        </div>
      )}
      {status === 'error' && error && (
        <p className="eval-error" role="alert" data-testid="eval-error">
          {error}
        </p>
      )}
      <RunAccuracy />
      {report && (
        <table className="eval-table" data-testid="eval-results">
          <caption>
            After iteration {formatInt(report.iteration)} · {report.ipc} per class ·{' '}
            {report.request.architecture === 'mlp' ? 'MLP' : 'ConvNet'} width {report.width} ·{' '}
            {report.request.epochs} epochs × {report.request.models} networks · {formatInt(report.testImages)} test images · DSA in evaluation {report.request.dsa ? 'on' : 'off'} ·{' '}
            {report.request.cutmix ? 'CutMix on · ' : ''}
            {report.request.lrSchedule === 'idc' ? `${EVAL_LR_SCHEDULES.idc.caption} · ` : ''}
            {report.request.labels === 'soft'
              ? 'distilled set on its soft (learned) labels, baselines on class labels'
              : report.request.labels === 'teacher'
                ? 'every set relabelled by the run’s teacher, batch by batch'
                : 'class labels'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Set</th>
              <th scope="col">Accuracy (mean ± std)</th>
            </tr>
          </thead>
          <tbody>
            {ROWS.map((row, i) => {
              const r = report.results[row.name];
              return (
                <tr key={row.name} data-set={row.name} className={row.name === 'distilled' ? 'eval-table__ours' : undefined}>
                  <th scope="row" title={row.hint}>
                    {row.name === 'distilled' && importedFile ? 'Distilled (imported set)' : row.label}
                    {row.name === 'distilled' && report.request.labels === 'soft' && ' · soft labels'}
                    {report.request.labels === 'teacher' && ' · relabelled'}
                    {best.has(i) && <span className="eval-table__best"> (best)</span>}
                  </th>
                  <td>
                    <div className="eval-table__cell">
                      <span className="num" data-testid={`eval-${row.name}`}>
                        {pct(r.mean)} ± {pct(r.std)}
                      </span>
                      <span className="eval-table__bar" aria-hidden="true">
                        <span style={{ width: `${r.mean * 100}%` }} />
                      </span>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
