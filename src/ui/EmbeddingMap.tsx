/**
 * The live map of held-out embeddings (t-SNE, PCA or UMAP, chosen above it), coloured by the true class; hovering a
 * point shows its image, clicking one opens its nearest neighbours.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { CLASS_COLORS } from '../shared/palette';
import { nearestNeighbours } from '../shared/similarity';
import type { HeldOutImages } from '../shared/messages';
import { setMapView } from '../state/controller';
import { useApp } from '../state/store';

const METHOD_NAMES = { tsne: 't-SNE', pca: 'PCA', umap: 'UMAP' } as const;
import { Plot } from './Plot';


export function EmbeddingMap() {
  const map = useApp((s) => s.map);
  // Before a run, the page's held-out set: its placeholder points are made at page load, not when Start is pressed.
  const heldOut = useApp((s) => s.runHeldOut ?? s.heldOut);
  const [hovered, setHovered] = useState<number | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const view = useApp((s) => s.mapView);
  const { data, index } = useMemo(() => {
    // Before the first layout, the held-out points are drawn invisible at the origin: plotly creates the chart now
    // (once the page has loaded), so the first layout is an update, not a new plot.
    const labels = map?.labels ?? heldOut?.labels;
    if (!labels) return { data: [] as Data[], index: [] as number[][] };
    const classes = heldOut?.classNames ?? [];
    const byClass = new Map<number, number[]>();
    labels.forEach((l, i) => {
      const list = byClass.get(l) ?? [];
      list.push(i);
      byClass.set(l, list);
    });
    const keys = [...byClass.keys()].sort((a, b) => a - b);
    const index = keys.map((k) => byClass.get(k)!);
    const data: Data[] = keys.map((k, t) => ({
      type: 'scatter',
      mode: 'markers',
      name: classes[k] ?? String(k),
      x: index[t]!.map((i) => (map ? map.xy[2 * i]! : 0)),
      y: index[t]!.map((i) => (map ? map.xy[2 * i + 1]! : 0)),
      marker: { size: 5, color: CLASS_COLORS[k % CLASS_COLORS.length], opacity: map ? 1 : 0 },
      hoverinfo: 'none',
    }));
    return { data, index };
  }, [map, heldOut]);

  return (
    <div className="map-wrap" data-layout-ms={map ? Math.round(map.ms) : undefined} data-worker-ms={map ? Math.round(map.workerMs) : undefined}>
      <div className="map-bar" data-testid="map.bar">
        <label>
          view{' '}
          <select data-testid="map.method" value={view.method} onChange={(e) => setMapView({ ...view, method: e.target.value as keyof typeof METHOD_NAMES })}>
            {Object.entries(METHOD_NAMES).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        {view.method === 'tsne' && (
          <>
            <label>
              perplexity{' '}
              <input
                data-testid="map.perplexity"
                type="number"
                min={2}
                max={100}
                defaultValue={view.perplexity}
                onBlur={(e) => setMapView({ ...view, perplexity: Math.min(100, Math.max(2, Number(e.target.value) || 30)) })}
              />
            </label>
            <label>
              iterations{' '}
              <input
                data-testid="map.iterations"
                type="number"
                min={100}
                max={3000}
                step={100}
                defaultValue={view.iterations}
                onBlur={(e) => setMapView({ ...view, iterations: Math.min(3000, Math.max(100, Math.round(Number(e.target.value)) || 600)) })}
              />
            </label>
          </>
        )}
        <span className="hint" data-testid="map.ms">
          seeded; each refresh is turned onto the last (Procrustes) so the map does not jump
          {map && ` · ${map.engine}: ${(map.workerMs / 1000).toFixed(2)} s in the map worker${map.pageWaitMs >= 10 ? ` (${(map.pageWaitMs / 1000).toFixed(2)} s of it giving way to the page's charts)` : ''}, ${(map.ms / 1000).toFixed(2)} s round trip`}
        </span>
      </div>
      <Plot
        testId="chart.tsne"
        height={420}
        priority={map ? 0 : -1}
        data={data}
        layout={{
          title: { text: map ? `${METHOD_NAMES[map.method]} of held-out h, step ${map.step}` : `${METHOD_NAMES[view.method]} map (waiting for an evaluation)` },
          xaxis: { visible: false },
          yaxis: { visible: false, scaleanchor: 'x' },
          hovermode: 'closest',
        }}
        canvasTraces
        htmlLegend
        legendTitle="class"
        onHover={(p, c) => map && setHovered(index[c]?.[p] ?? null)}
        onUnhover={() => setHovered(null)}
        onClick={(p, c) => map && setPicked(index[c]?.[p] ?? null)}
      />
      <HoverImage index={hovered} />
      <NeighbourGallery query={picked} onPick={setPicked} />
    </div>
  );
}

const GALLERY_K = 8;

/** Click a point on the map: its image and its k nearest neighbours by cosine similarity of h, with their classes. */
function NeighbourGallery({ query, onPick }: { query: number | null; onPick: (i: number | null) => void }) {
  const heldOut = useApp((s) => s.runHeldOut);
  const emb = useApp((s) => s.heldEmbeddings);
  if (query === null || !emb || !heldOut || query >= emb.data.length / emb.dim) {
    return <p className="hint gallery-hint">Click a point to see its {GALLERY_K} nearest neighbours in h.</p>;
  }
  const nn = nearestNeighbours(emb.data, emb.dim, query, GALLERY_K);
  const name = (i: number) => heldOut.classNames[heldOut.labels[i]!] ?? String(heldOut.labels[i]);
  const same = nn.filter((r) => heldOut.labels[r.index] === heldOut.labels[query]).length;
  return (
    <div className="gallery" data-testid="gallery" data-query={query} data-same={same}>
      <div className="gallery-item gallery-query">
        <Thumb heldOut={heldOut} index={query} />
        <span>#{query} · {name(query)}</span>
      </div>
      {nn.map((r) => (
        <button type="button" key={r.index} className="gallery-item" data-testid="gallery.item" onClick={() => onPick(r.index)} title="show this image's neighbours">
          <Thumb heldOut={heldOut} index={r.index} />
          <span>
            {name(r.index)} · {r.similarity.toFixed(2)}
          </span>
        </button>
      ))}
      <span className="hint">
        {same} of {GALLERY_K} share its class (step {emb.step})
      </span>
      <button type="button" onClick={() => onPick(null)} aria-label="close the gallery">
        ×
      </button>
    </div>
  );
}

/** One held-out image (or, for 2-D points, its coordinates) at 2×. */
function Thumb({ heldOut, index }: { heldOut: HeldOutImages; index: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    const { h, w, c, images } = heldOut;
    if (!ctx || images.length === 0) return;
    const img = ctx.createImageData(w, h);
    const off = index * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) img.data[4 * p + k] = images[off + p * c + (c === 3 ? k : 0)]!;
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [heldOut, index]);
  if (heldOut.images.length === 0) {
    const p = heldOut.points!;
    return <span className="thumb-point">({p[index * 2]!.toFixed(2)}, {p[index * 2 + 1]!.toFixed(2)})</span>;
  }
  return <canvas ref={ref} width={heldOut.w} height={heldOut.h} className="thumb" />;
}

/** The hovered held-out image, drawn at 4× on a canvas. */
function HoverImage({ index }: { index: number | null }) {
  const heldOut = useApp((s) => s.runHeldOut);
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !heldOut || index === null || heldOut.images.length === 0) return;
    const { h, w, c, images } = heldOut;
    const img = ctx.createImageData(w, h);
    const off = index * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) img.data[4 * p + k] = images[off + p * c + (c === 3 ? k : 0)]!;
      img.data[4 * p + 3] = 255;
    }
    canvas.width = w;
    canvas.height = h;
    ctx.putImageData(img, 0, 0);
  }, [index, heldOut]);
  const label = heldOut && index !== null ? heldOut.classNames[heldOut.labels[index]!] : null;
  const isImage = !!heldOut && heldOut.images.length > 0;
  return (
    <div className="hover-image" data-testid="map.hover" hidden={index === null}>
      <canvas ref={ref} width={28} height={28} hidden={!isImage} />
      <span>{label !== null ? `#${index} · class ${label}` : ''}</span>
    </div>
  );
}
