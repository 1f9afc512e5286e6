/**
 * The training worker's name: "train" and, after a space, the config it gets ready for at start-up, in the
 * share-link format. A name is the one thing a worker can read before any message reaches it (messages to a
 * worker that is still loading wait for the page's thread, which is evaluating plotly at that moment).
 */
import { configFromHash, configToHash, type TrainConfig } from './config';

export function trainWorkerName(config: TrainConfig): string {
  return `train ${configToHash(config)}`;
}

/** The config a training worker's name carries; null when it carries none or anything in it is not valid. */
export function configFromWorkerName(name: string): TrainConfig | null {
  if (!name.startsWith('train ')) return null;
  const { config, errors } = configFromHash(name.slice('train '.length));
  return errors.length ? null : config;
}
