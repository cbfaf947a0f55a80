import type { DayPoint } from '../../../src/tab/api-types';

/** The current stage's daily responses as a small SVG line, with its figures as the label. */
export const Sparkline = ({ points, label }: { points: DayPoint[]; label: string }) => {
  const width = 96;
  const height = 24;
  if (points.length === 0) {
    return (
      <span className="muted" data-testid="spark" data-series="[]">
        No history yet
      </span>
    );
  }
  const values = points.map((p) => p.responses);
  const max = Math.max(1, ...values);
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const y = (v: number): number => height - 2 - (v / max) * (height - 4);
  const path = values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`)
    .join(' ');
  const last = values[values.length - 1] ?? 0;
  const first = points[0]?.date ?? '';
  const text = `${label}: responses ${values.join(', ')} from ${first} to ${points[points.length - 1]?.date ?? ''}; now ${last}`;
  return (
    <svg
      className="spark"
      width={width}
      height={height}
      viewBox={`-2 0 ${width + 4} ${height}`}
      role="img"
      aria-label={text}
      data-testid="spark"
      data-series={JSON.stringify({ labels: points.map((p) => p.date), values })}
    >
      <title>{text}</title>
      {points.length > 1 ? (
        <path d={path} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" />
      ) : null}
      <circle cx={(points.length - 1) * step} cy={y(last)} r={2} fill="currentColor" />
    </svg>
  );
};
