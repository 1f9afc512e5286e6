/** Loading the shipped datasets from disk, for the headless runner, the benchmarks and the tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATASET_INFO, type DatasetName } from '../shared/datasets';
import { datasetFromIdx, type Dataset } from './data';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** A shipped dataset (public/data), read from the file system. */
export function loadDatasetFromDisk(name: DatasetName): Dataset {
  const info = DATASET_INFO[name];
  return datasetFromIdx(info.label, readFileSync(PUBLIC_DIR + info.images), readFileSync(PUBLIC_DIR + info.labels), info.classNames);
}

/** The MNIST subset in public/data. */
export function loadMnistFromDisk(): Dataset {
  return loadDatasetFromDisk('mnist');
}
