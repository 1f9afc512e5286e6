import { describe, expect, it } from 'vitest';
import { layoutChanges } from './layoutDiff';

describe('layoutChanges', () => {
  const base = { height: 260, datarevision: 3, title: { text: 'Loss' }, xaxis: { range: [0, 100], autorange: false, title: { text: 'step' } }, yaxis: { range: [4, 6] } };
  it('finds nothing changed in an equal layout, datarevision aside', () => {
    expect(layoutChanges(base, { ...base, datarevision: 4 })).toEqual({});
  });
  it('gives changed values by dotted path, arrays whole', () => {
    const next = { ...base, title: { text: 'Loss at 5' }, xaxis: { ...base.xaxis, range: [0, 120] } };
    expect(layoutChanges(base, next)).toEqual({ 'title.text': 'Loss at 5', 'xaxis.range': [0, 120] });
  });
  it('is null where the shape differs: an attribute added or removed, or an object for a value', () => {
    expect(layoutChanges(base, { ...base, yaxis2: { range: [0, 1] } })).toBeNull();
    expect(layoutChanges(base, { ...base, title: undefined })).toBeNull();
    expect(layoutChanges(base, { ...base, title: 'Loss' })).toBeNull();
  });
  it('takes an attribute that is undefined as absent', () => {
    expect(layoutChanges({ a: 1, b: undefined }, { a: 2 })).toEqual({ a: 2 });
    expect(layoutChanges({ a: 1 }, { a: 1, b: undefined })).toEqual({});
  });
});
