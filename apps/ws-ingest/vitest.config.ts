import { packageTestConfig } from '../../vitest.shared.js';

const config = packageTestConfig({ testTimeout: 60_000 });
// vitest turns these conditions into `node --conditions` flags; an explicit 'import' there makes
// CommonJS `require('ws')` (inside @fastify/websocket) load ws's ESM wrapper, which has no
// `WebSocket.Server`. Node and Vite add import/require by themselves, so they are left out here.
const conditions = ['source', 'node', 'default'];
if (config.resolve) config.resolve.conditions = conditions;
if (config.ssr?.resolve) config.ssr.resolve.conditions = conditions;

export default config;
