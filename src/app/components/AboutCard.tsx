import { useId } from 'react';
import { DSA_LESSON, INIT_LESSONS, METHOD_LESSONS, SAMPLER_LESSONS, SEQMATCH_LESSON, TOGGLE_LESSONS, lessonsFor, type TechniqueLesson } from '../lib/learn';
import { useApp } from '../store';

function Technique({ lesson }: { lesson: TechniqueLesson }) {
  return (
    <div className="learn__technique">
      <h3 className="learn__technique-title">{lesson.title}</h3>
      <p>{lesson.text}</p>
    </div>
  );
}

/**
 * "What is happening": the chosen method in three steps, then the techniques this configuration uses (DSA, the
 * init, the real-batch sampler), in plain sentences a teacher can read out; the others on request.
 */
export function AboutCard() {
  const config = useApp((s) => s.runConfig ?? s.config);
  const { method, techniques } = lessonsFor(config);
  const titleId = useId();
  const others = [
    ...Object.values(METHOD_LESSONS).filter((m) => m !== method).map((m) => ({ title: m.title, text: `${m.idea} ${m.steps.map(([lead, text]) => `${lead} ${text}`).join(' ')}` })),
    ...[DSA_LESSON, ...TOGGLE_LESSONS, SEQMATCH_LESSON, ...Object.values(INIT_LESSONS), ...Object.values(SAMPLER_LESSONS)].filter((t) => !techniques.includes(t)),
  ];
  return (
    <section className="card card--about" aria-labelledby={titleId} data-testid="learn-panel">
      <header className="card__header">
        <h2 className="card__title" id={titleId}>
          What is happening
        </h2>
        <p className="card__meta">{method.title}</p>
      </header>
      <p className="learn__idea" data-testid="learn-idea">
        {method.idea}
      </p>
      <ol className="about">
        {method.steps.map(([lead, text]) => (
          <li key={lead}>
            <strong>{lead}</strong> {text}
          </li>
        ))}
      </ol>
      <div className="learn__techniques" data-testid="learn-techniques">
        {techniques.map((t) => (
          <Technique key={t.title} lesson={t} />
        ))}
      </div>
      <details className="learn__more">
        <summary>The other methods and techniques</summary>
        <div className="learn__techniques">
          {others.map((t) => (
            <Technique key={t.title} lesson={t} />
          ))}
        </div>
      </details>
      <p className="about__foot">
        The loss is each method’s own measure of mismatch: it falling means the synthetic set matches the real data better by that
        measure. What the set is worth for training a network, Evaluate tells. Everything runs in a Web Worker with TensorFlow.js on
        your own device; no image leaves the page.
      </p>
    </section>
  );
}
