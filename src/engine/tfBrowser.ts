/**
 * What the app's code gets for `@tensorflow/tfjs` in the browser build (vite.config.ts aliases it here): the
 * union package without its WebGL backend, layers API, converter and data API. The WebGL backend (730 kB of the
 * training worker's 3.3 MB) loads when it is tried (the worker's `register('webgl')`); the layers API only when an
 * encoder is exported (engine/exportModel.ts imports `@tensorflow/tfjs-layers` itself, and the worker imports that
 * module then); the converter and data API are not used. The worker's script is then smaller to compile and
 * quicker to evaluate, and the first run starts sooner. Node (the tests, the headless runner, the benchmarks) keeps
 * the real union package; both register the same chained ops and gradients, which tfjs-core alone does not.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { version_core } from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-backend-cpu';

export const version = {
  'tfjs-core': version_core,
  'tfjs-backend-cpu': version_cpu,
  tfjs: version_core,
};
