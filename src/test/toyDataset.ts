/** A tiny synthetic dataset for engine tests: 200 images of 12×12 in two classes (a horizontal or a vertical bar). */
import type { Dataset } from '../engine/data';
import { mulberry32 } from '../engine/rng';

export function toyDataset(): Dataset {
  const n = 200;
  const h = 12;
  const rand = mulberry32(1);
  const images = new Uint8Array(n * h * h);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const pos = 2 + Math.floor(rand() * 8);
    for (let k = 0; k < h; k++) images[i * h * h + (labels[i] ? k * h + pos : pos * h + k)] = 255;
  }
  return { name: 'bars', images, labels, n, h, w: h, c: 1, numClasses: 2, classNames: ['h', 'v'] };
}
