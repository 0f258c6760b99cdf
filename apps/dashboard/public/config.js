// Runtime configuration for the dashboard, read before the page starts. Empty means: use the
// query string (?s1=&s2=), else same-origin /s1 and /s2. A deployment may replace this file, e.g.
// window.INGESTLAB_CONFIG = { s1: 'https://metrics.example/s1', s2: '/s2', thresholds: { warn: 70, critical: 85 } };
window.INGESTLAB_CONFIG = window.INGESTLAB_CONFIG || {};
