#!/usr/bin/env python3
"""scikit-learn's side of bench/tsne.ts: times TSNE(method='barnes_hut') on one dataset and saves the layout.

Reads n x d little-endian float32 values from --input, converts them to float64 (scikit-learn's usual input,
as load_digits gives), and times the whole fit_transform (neighbour search, P, PCA init and 1,000 iterations)
with time.perf_counter(), --repeat times. Writes the last layout to --output as n x 2 float32 and prints one
JSON line: the times, scikit-learn's iteration count and the threads it uses (OpenMP for the gradient,
BLAS for the neighbour distances and PCA), at their defaults: nothing here limits them.

    /usr/bin/python3 bench/tsne_sklearn.py --input X.f32 --n 1000 --d 64 --output Y.f32 [--repeat 1]
"""

import argparse
import json
import time

import numpy as np
import sklearn
from sklearn.manifold import TSNE
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from threadpoolctl import threadpool_info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--d", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    x = np.fromfile(args.input, dtype="<f4").reshape(args.n, args.d).astype(np.float64)
    seconds = []
    n_iter = -1
    y = None
    for _ in range(args.repeat):
        model = TSNE(
            n_components=2,
            method="barnes_hut",
            angle=0.5,
            init="pca",
            learning_rate="auto",
            perplexity=30.0,
            early_exaggeration=12.0,
            n_iter=1000,
            random_state=0,
        )
        t0 = time.perf_counter()
        y = model.fit_transform(x)
        seconds.append(time.perf_counter() - t0)
        n_iter = int(model.n_iter_) + 1
    y.astype("<f4").tofile(args.output)
    blas = [f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info() if p["user_api"] == "blas"]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "nIter": n_iter,
                "openmpThreads": _openmp_effective_n_threads(),
                "blasThreads": ", ".join(blas),
                "sklearn": sklearn.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
