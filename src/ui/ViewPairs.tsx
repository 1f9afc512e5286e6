/**
 * The view-pair inspector: a few training images beside the two augmented views made from them, refreshed as the
 * augmentation settings change, so a user sees what the model is asked to treat as the same image.
 */
import { useEffect, useRef, useState } from 'react';
import { AUGMENTATION_KEYS, type TrainConfig } from '../shared/config';
import type { ViewPairs } from '../shared/messages';
import { previewViews } from '../state/controller';
import { useApp } from '../state/store';

const COUNT = 8;
/** The settings a preview depends on. */
const KEYS: (keyof TrainConfig)[] = ['dataset', ...AUGMENTATION_KEYS];

function Thumb({ bytes, index, h, w, c }: { bytes: Uint8Array; index: number; h: number; w: number; c: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(w, h);
    const per = h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) img.data[p * 4 + k] = bytes[index * per + p * c + (c === 3 ? k : 0)]!;
      img.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [bytes, index, h, w, c]);
  return <canvas ref={ref} width={w} height={h} className="thumb" />;
}

export function ViewPairsPanel() {
  const config = useApp((s) => s.config);
  const [seed, setSeed] = useState(1);
  const [pairs, setPairs] = useState<ViewPairs | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const request = useRef(0);
  const key = JSON.stringify(KEYS.map((k) => config[k]));
  useEffect(() => {
    const id = ++request.current;
    const timer = setTimeout(() => {
      previewViews(COUNT, seed)
        .then((p) => {
          if (id !== request.current) return; // a newer request is on its way
          setPairs(p);
          setError(null);
          setVersion((v) => v + 1);
        })
        .catch((e: unknown) => {
          if (id === request.current) setError(`could not make the views: ${(e as Error).message}`);
        });
    }, 250);
    return () => clearTimeout(timer);
    // `key` stands for the settings the preview reads.
  }, [key, seed]);
  const same = pairs ? pairs.view1.every((v, i) => v === pairs.original[i]) && pairs.view2.every((v, i) => v === pairs.original[i]) : false;
  return (
    <details className="view-pairs" open data-testid="views" data-version={version} data-count={pairs?.count ?? 0} data-same={String(same)}>
      <summary>View pairs: what the model must treat as the same image</summary>
      <div className="view-pairs-bar">
        <button type="button" data-testid="views.shuffle" onClick={() => setSeed((s) => s + 1)}>
          Other images
        </button>
        <span className="hint">original · view 1 · view 2, with the augmentation settings on the left</span>
      </div>
      {error && (
        <p role="alert" className="error" data-testid="views.error">
          {error}
        </p>
      )}
      {pairs && (
        <div className="view-grid">
          {Array.from({ length: pairs.count }, (_, i) => (
            <div className="view-row" key={i}>
              <Thumb bytes={pairs.original} index={i} h={pairs.h} w={pairs.w} c={pairs.c} />
              <Thumb bytes={pairs.view1} index={i} h={pairs.h} w={pairs.w} c={pairs.c} />
              <Thumb bytes={pairs.view2} index={i} h={pairs.h} w={pairs.w} c={pairs.c} />
            </div>
          ))}
        </div>
      )}
    </details>
  );
}
