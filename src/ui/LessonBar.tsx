/**
 * Lessons: a menu of built-in experiments (shared/lessons.ts), each reproducing one finding of a paper, and the
 * open lesson's card: what the paper found, what to watch, and a button that runs it (its sweep, or one run).
 * The share box beside the menu makes a teacher's link.
 */
import { useState } from 'react';
import { LESSONS, lessonById, lessonSweep, type Lesson } from '../shared/lessons';
import { formatSweepValue, sweepKnob } from '../shared/sweep';
import { openLesson, start, startSweep } from '../state/controller';
import { useApp } from '../state/store';
import { ShareBox } from './ShareBox';

/** One line per lesson for the menu. */
const BLURBS: Record<string, string> = {
  temperature: 'Sweep τ: the easiest in-batch task is not the best representation.',
  'no-augmentation': 'With and without augmentation: identical views teach little.',
  collapse: 'SimSiam with and without stop-gradient: without it, every image maps to one point.',
  'projection-head': 'With and without a projection head: h beats z.',
  'batch-negatives': 'Sweep the batch size: more negatives per anchor.',
};

function blurb(lesson: Lesson): string {
  return BLURBS[lesson.id] ?? lesson.finding.split('. ')[0]!;
}

/** "A sweep of temperature τ over 0.05, 0.1, 0.2, 0.5 and 1" or "Runs with stop-gradient on and off" for the card. */
function sweepWords(lesson: Lesson): string | null {
  if (!lesson.sweep) return null;
  const parts = lesson.sweep.axes.map((a) => {
    const knob = sweepKnob(a.key);
    const values = a.values.map(formatSweepValue);
    const list = values.length > 1 ? `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}` : values.join('');
    return typeof a.values[0] === 'boolean' ? `${knob?.short ?? a.key} ${list}` : `${knob?.label ?? a.key} over ${list}`;
  });
  const onOff = lesson.sweep.axes.every((a) => typeof a.values[0] === 'boolean');
  return `${onOff ? 'Runs with' : 'A sweep of'} ${parts.join(', by ')}`;
}

function LessonCard({ lesson }: { lesson: Lesson }) {
  const config = useApp((s) => s.config);
  const sweep = useApp((s) => s.sweep);
  const status = useApp((s) => s.status);
  const [errors, setErrors] = useState<string[]>([]);
  const plan = lessonSweep(lesson, config);
  const sweeping = sweep?.status === 'running' || sweep?.status === 'paused';
  const words = sweepWords(lesson);

  const run = () => {
    // The current settings, so a student's changes (or the link's) apply.
    const p = lessonSweep(lesson, config);
    if (p === null) {
      setErrors([]);
      void start();
      return;
    }
    if (!p.ok) {
      setErrors(p.errors);
      return;
    }
    setErrors([]);
    void startSweep(p, 'interleaved');
    const panel = document.querySelector<HTMLDetailsElement>('[data-testid="sweep"]');
    if (panel) {
      panel.open = true;
      panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
    }
  };

  const runs = plan?.ok ? plan.runs.length : null;
  return (
    <article className="lesson-card" data-testid="lesson.card" data-id={lesson.id}>
      <header className="lesson-head">
        <span className="lesson-kicker">Lesson</span>
        <h2>{lesson.title}</h2>
        <button type="button" className="lesson-close" data-testid="lesson.close" onClick={() => openLesson(null)} title="Close the lesson; the settings stay">
          Close lesson
        </button>
      </header>
      <div className="lesson-body">
        <section>
          <h3>What the paper found</h3>
          <p data-testid="lesson.finding">{lesson.finding}</p>
        </section>
        <section>
          <h3>What to watch</h3>
          <p data-testid="lesson.watch">{lesson.watch}</p>
        </section>
      </div>
      <div className="lesson-actions">
        <button
          type="button"
          className="lesson-run"
          data-testid="lesson.run"
          onClick={run}
          disabled={sweeping || status.kind === 'starting'}
        >
          Run this lesson{runs !== null ? ` (${runs} runs)` : ''}
        </button>
        <span className="hint">
          {words
            ? `${words}, one model per value, everything else as in the settings, same seed.`
            : 'One run with the settings on the left.'}
          {sweeping && sweep && ` Running: ${sweep.runs.filter((r) => r.status !== 'queued' && r.status !== 'training').length} of ${sweep.runs.length} done.`}
        </span>
      </div>
      {errors.length > 0 && (
        <ul className="error" data-testid="lesson.error">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </article>
  );
}

export function LessonBar() {
  const lessonId = useApp((s) => s.lesson);
  const [menuOpen, setMenuOpen] = useState(false);
  const lesson = lessonId ? lessonById(lessonId) : undefined;
  return (
    <div className="lesson-bar">
      <div className="lesson-tools">
        <details className="lesson-menu" data-testid="lessons" open={menuOpen} onToggle={(e) => setMenuOpen(e.currentTarget.open)}>
          <summary>Lessons</summary>
          <ul>
            {LESSONS.map((l) => (
              <li key={l.id} className={l.id === lessonId ? 'lesson-current' : undefined}>
                <button
                  type="button"
                  data-testid="lesson.open"
                  data-id={l.id}
                  aria-current={l.id === lessonId ? 'true' : undefined}
                  onClick={() => {
                    openLesson(l.id);
                    setMenuOpen(false);
                  }}
                >
                  <strong>{l.title}</strong>
                  <span>{blurb(l)}</span>
                </button>
              </li>
            ))}
          </ul>
        </details>
        <ShareBox />
      </div>
      {lesson && <LessonCard key={lesson.id} lesson={lesson} />}
    </div>
  );
}
