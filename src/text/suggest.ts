/**
 * Edit distance with adjacent transpositions (optimal string alignment), so
 * the common typo "coahc" is one edit from "coach". Inputs are short names.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The closest candidate to `input`, if it is close enough to be a plausible
 * typo (case-insensitive; distance at most a third of the longer word, min 1).
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  // Suggestions are for typos of short names; long input would only cost CPU.
  if (input.length > 80) return undefined;
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  const limitFor = (other: string): number => Math.max(1, Math.floor(Math.max(needle.length, other.length) / 3));
  for (const candidate of candidates) {
    // The distance is at least the length difference: skip hopeless candidates
    // before paying for the matrix (there are ~600 zone names).
    const limit = limitFor(candidate);
    if (Math.abs(candidate.length - needle.length) > Math.min(limit, bestDistance)) continue;
    const d = editDistance(needle, candidate.toLowerCase());
    if (d < bestDistance && d <= limit) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

export const didYouMean = (input: string, candidates: Iterable<string>): string | undefined => {
  const match = closest(input, candidates);
  return match === undefined ? undefined : `did you mean '${match}'?`;
};
