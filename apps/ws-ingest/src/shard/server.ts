// A System 2 shard's process: System 2 (src/server.ts) plus /shard/partials for the merger. Run N of
// them behind nginx's `hash $arg_producer consistent` upstream and one merger (src/merger/server.ts).
import { runProcess } from '@ingestlab/serving';
import { loadShardConfig } from './config.js';
import { buildShardApp } from './shard-app.js';

await runProcess({
  name: 'ws-shard',
  help: `Usage: node dist/shard/server.js
A System 2 shard: everything node dist/server.js serves on WS_PORT (ingest, /live, /stats...), for the
producers nginx routes to it, plus GET /shard/partials?after=<start>&waitMs=<ms>: its closed windows in
mergeable partial form, which the merger (node dist/merger/server.js) merges with the other shards'.
Settings: every System 2 setting (see node dist/server.js --help), and
SHARD_PARTIALS_KEPT (120): closed partial windows held for the merger's polls.
A bad setting exits 78 naming it. SIGTERM/SIGINT stop gracefully; a second signal exits at once.`,
  loadConfig: () => loadShardConfig(),
  async start(config, logger) {
    const app = await buildShardApp(config, { logger });
    await app.listen({ port: config.port, host: config.host });
    logger.info(
      { windowMs: config.windowMs },
      'ws-shard ready: ingest at /ingest, partials at /shard/partials',
    );
    return { close: () => app.close(), summary: () => ({ stats: app.core.stats() }) };
  },
});
