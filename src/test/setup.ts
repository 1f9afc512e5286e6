/** Unit tests run on tfjs' CPU backend: exact float32 reference maths, no native addon. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { registerKernelFixes } from '../engine/kernels';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  registerKernelFixes();
  await tf.setBackend('cpu');
  await tf.ready();
});
