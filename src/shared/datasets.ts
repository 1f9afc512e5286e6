/**
 * The datasets: images the app ships (public/data/), 2-D toy sets generated in the engine, and the user's own
 * data ("custom", which lives only in the browser that loaded it and never travels in a link). Shared by the
 * page, the worker and the headless runner.
 */

export const IMAGE_SETS = ['mnist', 'fashion', 'digits'] as const;
export type ImageSet = (typeof IMAGE_SETS)[number];
export const TOY_SETS = ['moons', 'circles', 'blobs', 'spirals'] as const;
export type ToySet = (typeof TOY_SETS)[number];
export const DATASETS = [...IMAGE_SETS, ...TOY_SETS, 'custom'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** What a dataset holds: images (CNN encoder), 2-D points (MLP encoder), or the user's own images. */
export type DatasetKind = 'images' | 'points' | 'custom';

export function datasetKind(name: DatasetName): DatasetKind {
  if ((TOY_SETS as readonly string[]).includes(name)) return 'points';
  return name === 'custom' ? 'custom' : 'images';
}

export function isImageSet(name: DatasetName): name is ImageSet {
  return (IMAGE_SETS as readonly string[]).includes(name);
}

/** Names in the dataset menu. */
export const DATASET_LABELS: Readonly<Record<DatasetName, string>> = {
  mnist: 'MNIST',
  fashion: 'Fashion-MNIST',
  digits: 'Digits 8×8',
  moons: 'Two moons (2-D)',
  circles: 'Circles (2-D)',
  blobs: 'Blobs (2-D)',
  spirals: 'Spirals (2-D)',
  custom: 'Your own data',
};

export interface DatasetInfo {
  label: string;
  /** Gzipped IDX files, relative to the app's base URL (and to public/ on disk). */
  images: string;
  labels: string;
  classNames: string[];
  /** Who made it, and its licence, for the footer. */
  credit: string;
}

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const DATASET_INFO: Readonly<Record<ImageSet, DatasetInfo>> = {
  mnist: {
    label: 'MNIST',
    images: 'data/mnist/t10k-images-idx3-ubyte.gz',
    labels: 'data/mnist/t10k-labels-idx1-ubyte.gz',
    classNames: DIGIT_NAMES,
    credit: 'MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0)',
  },
  fashion: {
    label: 'Fashion-MNIST',
    images: 'data/fashion-mnist/t10k-images-idx3-ubyte.gz',
    labels: 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    credit: 'Fashion-MNIST (Xiao, Rasul, Vollgraf; Zalando SE, MIT)',
  },
  digits: {
    label: 'Digits 8×8',
    images: 'data/digits/digits-images-idx3-ubyte.gz',
    labels: 'data/digits/digits-labels-idx1-ubyte.gz',
    classNames: DIGIT_NAMES,
    credit: 'UCI digits (Alpaydin, Kaynak; CC BY 4.0) via scikit-learn',
  },
};
