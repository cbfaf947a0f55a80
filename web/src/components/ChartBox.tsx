import { useEffect, useRef, useState } from 'react';
import type * as Charts from '../charts';
import type { ChartSpec } from '../charts';
import type { ChartPalette } from '../theme';

const loadCharts = (): Promise<typeof Charts> => import('../charts');

/**
 * One chart: a canvas drawn by Chart.js (loaded on first use), its data as `data-series` JSON on
 * the wrapper for tests, and the same figures as a visually hidden table for screen readers.
 */
export const ChartBox = ({
  testId,
  title,
  spec,
  palette,
}: {
  testId: string;
  title: string;
  spec: ChartSpec;
  palette: ChartPalette;
}) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  const series = JSON.stringify({
    labels: spec.labels,
    datasets: spec.datasets.map((d) => ({ label: d.label, values: d.values })),
  });

  const specKey = JSON.stringify(spec);

  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let gone = false;
    loadCharts().then(
      ({ drawChart }) => {
        if (gone || canvas.current === null) return;
        chart = drawChart(canvas.current, JSON.parse(specKey) as ChartSpec, palette);
      },
      () => {
        if (!gone) setFailed(true);
      },
    );
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [specKey, palette]);

  return (
    <figure className="chart" data-testid={testId} data-series={series}>
      <figcaption className="chart-title">{title}</figcaption>
      <div className="chart-canvas">
        {/* Screen readers get the table below instead of the picture. */}
        <canvas ref={canvas} aria-hidden="true" />
      </div>
      {failed ? <p className="muted">The chart could not be drawn; the figures are in the table.</p> : null}
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            {spec.datasets.map((d) => (
              <th scope="col" key={d.label}>
                {d.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {spec.labels.map((label, i) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {spec.datasets.map((d) => (
                <td key={d.label}>{d.values[i] ?? '—'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
};
