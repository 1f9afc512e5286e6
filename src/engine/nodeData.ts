/** Loading the shipped datasets from disk, for the headless runner, the benchmarks and the tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { datasetFromIdx, MNIST_CLASSES, MNIST_FILES, type Dataset } from './data';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** The MNIST subset in public/data, read from the file system. */
export function loadMnistFromDisk(): Dataset {
  return datasetFromIdx(
    'MNIST',
    readFileSync(PUBLIC_DIR + MNIST_FILES.images),
    readFileSync(PUBLIC_DIR + MNIST_FILES.labels),
    MNIST_CLASSES,
  );
}
