/**
 * The sum of a metric's samples (Prometheus text format) whose labels contain every fragment of
 * `labels` (`'route="/x"'`, or `['le="1"', 'route="/x"']` for labels that need not be adjacent).
 */
export function metricSum(text: string, name: string, labels: string | string[] = ''): number {
  const fragments = typeof labels === 'string' ? [labels] : labels;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || (line.startsWith(`${name}{`) && fragments.every((fragment) => line.includes(fragment)))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
