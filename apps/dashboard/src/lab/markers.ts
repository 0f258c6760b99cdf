// The lab's markers on the charts: each action and recovery as a labelled vertical line, drawn by
// chartjs-plugin-annotation on the charts of the system it touched.
import type { LabMarker } from '@ingestlab/metric-schema';
import annotationPlugin from 'chartjs-plugin-annotation';
import { Chart } from 'chart.js';

Chart.register(annotationPlugin);

const COLORS = { action: '#ffb020', recovery: '#3ddc84' } as const;

/** Annotation options for a chart's `plugins.annotation.annotations`, one line per marker. */
export function markerAnnotations(
  markers: readonly LabMarker[],
  withLabels: boolean,
): Record<string, object> {
  const annotations: Record<string, object> = {};
  markers.forEach((marker, i) => {
    annotations[`lab${i}`] = {
      type: 'line',
      xMin: marker.at,
      xMax: marker.at,
      borderColor: COLORS[marker.kind],
      borderWidth: 2,
      borderDash: marker.kind === 'recovery' ? [4, 3] : [],
      label: {
        display: withLabels,
        content: marker.label,
        position: i % 2 === 0 ? 'start' : 'end',
        backgroundColor: 'rgba(10, 14, 19, 0.85)',
        color: COLORS[marker.kind],
        font: { size: 11 },
        padding: 3,
      },
    };
  });
  return annotations;
}
