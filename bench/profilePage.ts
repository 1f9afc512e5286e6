/** The page of `npm run bench:profile -- --browser`: runs the profile in a worker, as the app trains in one. */
import type { ProfileRequest } from './profile';
import type { ProfileResult } from './profileCore';

function runProfile(req: ProfileRequest): Promise<ProfileResult> {
  const worker = new Worker(new URL('./profile.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<ProfileResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ result?: ProfileResult; error?: string }>) => {
      worker.terminate();
      if (e.data.result) resolve(e.data.result);
      else reject(new Error(e.data.error ?? 'no result'));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(req);
  });
}

Object.assign(window, { runProfile });
