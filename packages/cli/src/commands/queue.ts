import { cleanQueue, getQueueStatus, queueLabel, retryFailedJobs, type QueueJobSummary } from '@raunet/queue';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { QUEUE_FLAGS, queueFromFlags } from '../internal/queue-flags.js';

const ACTIONS = ['status', 'clean', 'retry'] as const;

function age(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

const row = (j: QueueJobSummary, what: string) => `  ${j.caseName.padEnd(24)} ${what}\n`;

/** `raunet queue status|clean|retry --queue redis://HOST:PORT [...]`. */
export const command = defineCommand({
  usage: 'raunet queue status|clean|retry --queue redis://HOST:PORT [--json] [--completed | --failed]',
  flags: {
    ...QUEUE_FLAGS,
    json: { type: 'boolean', description: 'status: counts and jobs (active, failed, completed) as JSON' },
    limit: { type: 'integer', min: 0, default: 100, value: 'N', description: 'status: list at most N jobs per state' },
    completed: { type: 'boolean', description: 'clean: only the completed jobs' },
    failed: { type: 'boolean', description: 'clean: only the failed jobs' },
  },
  async run(args, io) {
    const [action, ...extra] = args.positionals;
    if (!action || !(ACTIONS as readonly string[]).includes(action) || extra.length)
      throw new CliUsageError(`queue: say what to do: ${ACTIONS.join(', ')}${action ? `, received '${[action, ...extra].join(' ')}'` : ''}`);
    const connection = queueFromFlags('queue', args.flags);
    const label = queueLabel(connection);
    if (action === 'clean') {
      if (args.flags.completed && args.flags.failed) throw new CliUsageError('queue clean: --completed and --failed: give one, or neither for both');
      const removed = await cleanQueue(connection, { completed: !args.flags.failed, failed: !args.flags.completed });
      io.stdout(`removed ${removed.completed} completed and ${removed.failed} failed job(s) from ${label}\n`);
      return 0;
    }
    if (action === 'retry') {
      const n = await retryFailedJobs(connection);
      io.stdout(`put ${n} failed job(s) of ${label} back in the queue\n`);
      return 0;
    }
    const { limit } = args.flags;
    const status = await getQueueStatus(connection, { limit });
    if (args.flags.json) {
      io.stdout(JSON.stringify(status, null, 2) + '\n');
      return 0;
    }
    const c = status.counts;
    io.stdout(`${label}: ${status.workers} worker(s) connected\n`);
    io.stdout(`  waiting ${c.waiting}, active ${c.active}, delayed (retry soon) ${c.delayed}, completed ${c.completed}, failed ${c.failed}\n`);
    if (status.active.length) {
      io.stdout('active:\n');
      for (const j of status.active) io.stdout(row(j, `${j.worker ?? '?'} (attempt ${j.attemptsMade + 1})`));
    }
    if (status.failed.length) {
      io.stdout('failed:\n');
      for (const j of status.failed) io.stdout(row(j, `${j.error ?? '?'} (${j.attemptsMade} attempt(s), ${age(j.finishedOn)})`));
    }
    if (c.failed > status.failed.length || c.active > status.active.length)
      io.stdout(`(listing ${limit} per state; --limit N or --json for more)\n`);
    return 0;
  },
});
