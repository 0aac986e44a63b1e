/**
 * The copy step of the LZ77 family (Snappy, LZ4): `size` bytes from `offset` back in `output`,
 * written at `out`. The two may overlap — a run repeats its last `offset` bytes — so it copies in
 * spans that never overlap: the source region only grows as it is written. Returns the new end.
 */
export function copyBackReference(output: Buffer, out: number, offset: number, size: number): number {
  const source = out - offset;
  for (let left = size; left > 0; ) {
    const span = Math.min(left, out - source);
    output.copy(output, out, source, source + span);
    out += span;
    left -= span;
  }
  return out;
}
