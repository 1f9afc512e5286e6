/**
 * What changed between two plotly layouts, as the attributes `Plotly.relayout` takes ('xaxis.range', 'title.text'):
 * for a chart whose traces plotly does not draw (Plot's canvas traces), a relayout of those alone redraws what they
 * touch (an axis' ticks and grid: 4–15 ms here) where a react rebuilds the whole chart (25–60 ms).
 */

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The changed attributes of `next` against `prev`, by dotted path, each with its new value; {} where nothing
 * changed; null where the two differ in shape (an attribute added or removed, an object where there was a value):
 * then the chart is drawn anew. Arrays and values are compared whole (by JSON); `ignore` names top-level
 * attributes left out (datarevision: plotly's relayout does not take it, and a canvas chart's data is not plotly's).
 */
export function layoutChanges(prev: unknown, next: unknown, ignore: readonly string[] = ['datarevision']): Record<string, unknown> | null {
  const changes: Record<string, unknown> = {};
  const walk = (a: unknown, b: unknown, path: string): boolean => {
    if (isPlain(a) && isPlain(b)) {
      const keys = Object.keys(b).filter((k) => b[k] !== undefined && !(path === '' && ignore.includes(k)));
      const had = Object.keys(a).filter((k) => a[k] !== undefined && !(path === '' && ignore.includes(k)));
      if (keys.length !== had.length || keys.some((k) => !(k in a) || a[k] === undefined)) return false;
      return keys.every((k) => walk(a[k], b[k], path ? `${path}.${k}` : k));
    }
    if (isPlain(a) || isPlain(b)) return false;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[path] = b;
    return true;
  };
  return walk(prev, next, '') ? changes : null;
}
