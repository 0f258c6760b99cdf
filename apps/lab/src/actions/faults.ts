// The faults: each does one thing to the running processes, as a crash or an operator would, marks
// the charts, starts measuring what it costs, and, when asked, queues the repair for later.
import type { LabAction, LabFaultAction, LabActionRecord } from '@ingestlab/metric-schema';
import type { LabLog } from '../lab-log.js';
import type { StatsPoller } from '../observe/stats-poller.js';
import type { HeldAtDeath, SystemScore } from '../observe/system-score.js';
import type { LabStack } from '../stack/lab-stack.js';

export interface FaultContext {
  stack: LabStack;
  log: LabLog;
  stats: { s1: StatsPoller; s2: StatsPoller };
  scores: { s1: SystemScore; s2: SystemScore };
  /** Queues an action by the lab itself after `seconds` (a timed repair). */
  later: (seconds: number, action: LabAction) => void;
}

/** What brings back what each fault takes away. */
const REPAIR: Partial<Record<LabFaultAction['fault'], LabFaultAction['fault']>> = {
  'kill-worker': 'start-workers',
  'stop-workers': 'start-workers',
  'pause-workers': 'resume-workers',
  'kill-s1-server': 'restart-s1-server',
  'kill-s2': 'restart-s2',
};

export async function performFault(
  action: LabFaultAction,
  record: LabActionRecord,
  ctx: FaultContext,
): Promise<void> {
  const { stack, log, stats, scores } = ctx;
  const workers = stack.s1Workers;
  const s1Hit = (label: string, held: HeldAtDeath | null = null) => {
    scores.s1.faultStarted(record.id, label, held);
    log.mark(['s1'], 'action', label);
  };
  switch (action.fault) {
    case 'kill-worker': {
      const victim = workers.find((w) => w.state === 'running') ?? workers.find((w) => w.alive);
      if (!victim) throw new Error('no System 1 worker is running');
      await victim.kill();
      s1Hit(`${victim.name} killed`);
      break;
    }
    case 'stop-workers': {
      const running = workers.filter((w) => w.alive);
      if (running.length === 0) throw new Error('no System 1 worker is running');
      s1Hit('workers stopping');
      await Promise.all(running.map((w) => w.stop()));
      break;
    }
    case 'pause-workers': {
      const running = workers.filter((w) => w.state === 'running');
      if (running.length === 0) throw new Error('no System 1 worker is running');
      for (const worker of running) worker.pause();
      s1Hit('workers paused');
      break;
    }
    case 'start-workers': {
      const down = workers.filter((w) => !w.alive);
      if (down.length === 0) throw new Error('every System 1 worker is already running');
      await Promise.all(down.map((w) => w.start()));
      log.mark(
        ['s1'],
        'recovery',
        down.length === 1 ? `${down[0]?.name} back` : `${down.length} workers back`,
      );
      break;
    }
    case 'resume-workers': {
      const paused = workers.filter((w) => w.state === 'paused');
      if (paused.length === 0) throw new Error('no System 1 worker is paused');
      for (const worker of paused) worker.resume();
      log.mark(['s1'], 'recovery', 'workers resumed');
      break;
    }
    case 'restart-redis': {
      const persistence = action.persistence ?? true;
      await stats.s1.pollNow();
      // emptied, Redis loses what System 1 had taken in and not yet published: measure it
      const life = stats.s1.life();
      const held: HeldAtDeath | null =
        persistence || !life
          ? null
          : {
              held: life.accepted,
              readAt: life.at,
              intakePerS: scores.s1.intakePerS(),
              lifeStart: stack.redisDataSince,
              diedAt: Date.now(),
              acksStop: false,
            };
      await stack.restartRedis(persistence, () => {
        if (held) held.diedAt = Date.now();
        s1Hit(persistence ? 'Redis killed (restarts with its AOF)' : 'Redis killed (restarts empty)', held);
      });
      // an empty Redis has lost System 1's counters with everything else
      if (!persistence) stats.s1.newLife();
      log.mark(['s1'], 'recovery', persistence ? 'Redis back with its data' : 'Redis back, empty');
      break;
    }
    case 'kill-s1-server': {
      if (!stack.s1Server.alive) throw new Error('System 1’s server is not running');
      await stack.s1Server.kill();
      s1Hit('System 1 server killed');
      break;
    }
    case 'restart-s1-server': {
      const wasAlive = stack.s1Server.alive;
      if (wasAlive) {
        s1Hit('System 1 server restarting');
        await stack.s1Server.stop();
      }
      await stack.s1Server.start();
      log.mark(['s1'], 'recovery', 'System 1 server back');
      break;
    }
    case 'kill-s2': {
      if (!stack.s2.alive) throw new Error('System 2 is not running');
      await stats.s2.pollNow();
      const life = stats.s2.life();
      const lifeStart = stack.s2.launchedAt;
      await stack.s2.kill();
      // what the dead process had folded and not published: its open window
      scores.s2.faultStarted(
        record.id,
        'System 2 killed',
        life
          ? {
              held: life.aggregated,
              readAt: life.at,
              intakePerS: scores.s2.intakePerS(),
              lifeStart,
              diedAt: Date.now(),
              acksStop: true,
            }
          : null,
      );
      stats.s2.newLife();
      log.mark(['s2'], 'action', 'System 2 killed');
      break;
    }
    case 'restart-s2': {
      if (stack.s2.alive) {
        await stats.s2.pollNow();
        scores.s2.faultStarted(record.id, 'System 2 restarting');
        log.mark(['s2'], 'action', 'System 2 restarting');
        await stack.s2.stop();
        stats.s2.newLife();
      }
      await stack.s2.start();
      log.mark(['s2'], 'recovery', 'System 2 back');
      break;
    }
  }
  const repair = REPAIR[action.fault];
  if (repair && action.restartAfterS !== undefined)
    ctx.later(action.restartAfterS, { type: 'fault', fault: repair });
}
