/** The datasets the app ships (public/data/), for the page, the worker and the headless runner alike. */

export const DATASETS = ['mnist', 'fashion', 'digits'] as const;
export type DatasetName = (typeof DATASETS)[number];

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

export const DATASET_INFO: Readonly<Record<DatasetName, DatasetInfo>> = {
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
