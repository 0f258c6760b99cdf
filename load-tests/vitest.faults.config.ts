// The fault-injection suite (pnpm test:faults): real processes killed, restarted and starved under a
// steady producer load. Files run one after another (2-core CI), and the JSON report goes to its own
// file so CI counts the suite apart from the package's normal tests.
import type { ViteUserConfig } from 'vitest/config';
import { packageTestConfig } from '../vitest.shared.js';

const base = packageTestConfig({ include: ['faults/**/*.test.ts'], testTimeout: 180_000 });

const config: ViteUserConfig = {
  ...base,
  test: {
    ...base.test,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ['faults/support/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: '.reports/faults.json' }]],
  },
};

export default config;
