/** Loading datasets in Node, for the headless runner, the benchmarks and the tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATASET_INFO, isImageSet, type DatasetName } from '../shared/datasets';
import { datasetFromIdx, type Dataset } from './data';
import { toyDataset } from './toy';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** A shipped image set (public/data) read from the file system, or a generated toy set. */
export function loadDatasetFromDisk(name: DatasetName): Dataset {
  if (name === 'custom') throw new Error('"custom" is your own data: give its files with --data');
  if (!isImageSet(name)) return toyDataset(name);
  const info = DATASET_INFO[name];
  return datasetFromIdx(info.label, readFileSync(PUBLIC_DIR + info.images), readFileSync(PUBLIC_DIR + info.labels), info.classNames);
}

/** The MNIST subset in public/data. */
export function loadMnistFromDisk(): Dataset {
  return loadDatasetFromDisk('mnist');
}
