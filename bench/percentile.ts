/** Nearest-rank percentile of ascending `sorted` values (`percent` 0-100); undefined when there are none. */
export function nearestRank(sorted: ArrayLike<number>, percent: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1))];
}
