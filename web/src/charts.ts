/** Chart.js, registered with only what the dashboard draws (loaded lazily with the first chart). */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { ChartPalette } from './theme';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export interface SeriesSpec {
  label: string;
  values: (number | null)[];
  /** `right`: a second y axis (e.g. the average rating 1–5 beside response counts). */
  axis?: 'left' | 'right';
  min?: number;
  max?: number;
}

export interface ChartSpec {
  kind: 'line' | 'bar';
  labels: string[];
  datasets: SeriesSpec[];
}

export interface DrawnChart {
  destroy(): void;
}

export const drawChart = (canvas: HTMLCanvasElement, spec: ChartSpec, palette: ChartPalette): DrawnChart => {
  const right = spec.datasets.find((d) => d.axis === 'right');
  const left = spec.datasets.find((d) => d.axis !== 'right');
  const scale = (position: 'left' | 'right', series: SeriesSpec | undefined, grid: boolean) => ({
    type: 'linear' as const,
    position,
    beginAtZero: true,
    min: series?.min,
    max: series?.max,
    ticks: { color: palette.text, precision: 0 },
    grid: { color: palette.grid, display: grid },
    border: { color: palette.grid },
    title: {
      display: series !== undefined && right !== undefined,
      text: series?.label ?? '',
      color: palette.text,
    },
  });
  return new Chart(canvas, {
    type: spec.kind,
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((d, i) => {
        const color = palette.series[i % palette.series.length] ?? palette.text;
        return {
          label: d.label,
          data: d.values,
          yAxisID: d.axis === 'right' ? 'y1' : 'y',
          borderColor: color,
          backgroundColor: color,
          borderWidth: 2,
          // Told apart by more than colour (high contrast has few): dashes and point shapes.
          borderDash: i === 0 ? [] : [6, 4],
          pointStyle: i === 0 ? ('circle' as const) : ('rectRot' as const),
          pointRadius: spec.kind === 'line' ? 3 : 0,
          spanGaps: true,
        };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: palette.text,
      plugins: {
        legend: { display: spec.datasets.length > 1, labels: { color: palette.text } },
        tooltip: { enabled: true },
      },
      scales: {
        x: {
          ticks: { color: palette.text },
          grid: { color: palette.grid, display: false },
          border: { color: palette.grid },
        },
        y: scale('left', left, true),
        ...(right !== undefined ? { y1: scale('right', right, false) } : {}),
      },
    },
  });
};
