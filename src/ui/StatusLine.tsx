/** One line that says what runs where, how fast, and what went wrong. */
import { restartWorker } from '../state/controller';
import { useApp } from '../state/store';

export function StatusLine() {
  const status = useApp((s) => s.status);
  const backend = useApp((s) => s.backend);
  const metrics = useApp((s) => s.metrics);
  const config = useApp((s) => s.config);
  const recent = metrics.stepMs.slice(-20).sort((a, b) => a - b);
  const median = recent.length ? recent[Math.floor(recent.length / 2)]! : null;
  const stepsPerSec = median ? 1000 / median : null;
  const step = metrics.step.length ? metrics.step[metrics.step.length - 1]! : 0;
  return (
    <div className="status" data-testid="status">
      <span data-testid="status.run" data-status={status.kind} className={`pill pill-${status.kind}`}>
        {status.kind}
      </span>
      <span data-testid="status.backend" data-backend={backend?.name ?? ''}>
        backend: <b>{backend?.name ?? '—'}</b>
        {backend && <em className="reason"> ({backend.reason})</em>}
      </span>
      <span data-testid="status.step">
        step {step} / {config.steps}
      </span>
      <span data-testid="status.speed">
        {stepsPerSec ? `${stepsPerSec.toFixed(2)} steps/s · ${(stepsPerSec * config.batchSize).toFixed(0)} samples/s` : '— steps/s'}
      </span>
      {metrics.knn.length > 0 && <span data-testid="status.knn">kNN acc {(100 * metrics.knn[metrics.knn.length - 1]!).toFixed(1)}%</span>}
      {status.kind === 'error' && (
        <p role="alert" className="error" data-testid="status.error">
          {status.message}
          {status.restart && (
            <>
              {' '}
              <button data-testid="worker.restart" onClick={restartWorker} title="A new training worker; the run history and the map stay">
                Restart the worker
              </button>
            </>
          )}
        </p>
      )}
    </div>
  );
}
