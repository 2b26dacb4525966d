// The nearest valid name to a mistyped one (Damerau-Levenshtein distance, case-insensitive), for
// "unknown X 'nRound' (did you mean 'nRounds'?)" messages wherever a name is refused.

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) rows[0][j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[s.length][t.length];
}

/**
 * The candidate closest to `input`, or undefined when none is close (more than a third of the
 * longer name differs). Ties go to the earlier candidate.
 * @example nearestName('nRound', ['nRounds', 'maxDepth']) // 'nRounds'
 */
export function nearestName(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input, candidate);
    if (d < bestDistance && d <= Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * " (did you mean 'x'?)" when a candidate is close, else "" — to append to a refusal.
 * @example `unknown GBDT parameter 'nRound'${didYouMean('nRound', names)}`
 */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const near = nearestName(input, candidates);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}
