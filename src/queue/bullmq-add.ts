import { createRequire } from 'node:module';
import { Job, type IRedisTransaction, type Queue } from 'bullmq';
import { jobOptions } from './job-options.js';

/** One of BullMQ's Lua scripts as its package ships it (dist/cjs/scripts). */
interface BullmqScript {
  name: string;
  content: string;
  keys: number;
}

/**
 * BullMQ's own job add, taken apart so that another script can run it: the Lua that
 * `Queue.add` runs, the keys it is given and the packed arguments BullMQ builds for a job.
 * The inbox's accept script (inbox.ts) wraps that Lua in a function and calls it after its
 * dedupe, so a delivery is checked, numbered and made a job in one script call: the job is the
 * one `Queue.add` would have written, because BullMQ wrote the arguments and the Lua
 * (test/queue/inbox-accept.test.ts compares the two).
 */
export interface BullmqAdd {
  /** The add script's Lua (BullMQ's `addStandardJob`). */
  lua: string;
  /** Its KEYS: the queue's wait, paused, meta, id, ... keys, the same for every job of the queue. */
  keys: string[];
  /** Prefix of a job's hash key: `<prefix>:<queue>:`. */
  jobKeyPrefix: string;
  /** The job's packed arguments (ARGV[1]) and options (ARGV[3]); ARGV[2], the data, is the caller's. */
  argsOf(name: string, jobId: string): { args: Buffer; opts: Buffer };
}

type Captured = { command: string; argv: (string | Buffer | number)[] };

/**
 * Builds the job exactly as `Queue.add(name, data, {...jobOptions, jobId})` does, but hands
 * BullMQ a client that records the command instead of sending it. BullMQ issues the command
 * before its first await, so it is recorded by the time `addJob` returns its promise.
 */
function capture(queue: Queue, name: string, jobId: string): Captured {
  let seen: Captured | undefined;
  const recorder = {
    runCommand(command: string, argv: (string | Buffer | number)[]) {
      seen = { command, argv };
      return Promise.resolve(jobId);
    },
  };
  new Job(queue, name, {}, { ...jobOptions, jobId }, jobId)
    .addJob(recorder as unknown as IRedisTransaction)
    .catch(() => undefined);
  if (!seen) throw new Error('BullMQ did not issue its add script at once: this BullMQ version is not supported');
  return seen;
}

/** Reads BullMQ's add script and key layout for `queue`; refuses a BullMQ that adds jobs differently. */
export function bullmqAddOf(queue: Queue): BullmqAdd {
  const probe = capture(queue, 'push', 'probe');
  const scriptName = probe.command.split(':')[0]!;
  const scripts = createRequire(import.meta.url)('bullmq/dist/cjs/scripts/index.js') as Record<string, BullmqScript>;
  const script = Object.values(scripts).find((s) => s.name === scriptName);
  // jobOptions has no delay or priority, so BullMQ picks its standard add; anything else (a
  // BullMQ that renamed it, or options that pick another script) must fail at start-up, not drop jobs.
  if (scriptName !== 'addStandardJob' || !script || probe.argv.length !== script.keys + 3)
    throw new Error(
      `BullMQ adds jobs with ${probe.command} (${probe.argv.length} arguments): not supported by the inbox`,
    );
  const keys = probe.argv.slice(0, script.keys).map(String);
  return {
    lua: script.content,
    keys,
    jobKeyPrefix: queue.toKey(''),
    argsOf(name, jobId) {
      const { argv } = capture(queue, name, jobId);
      return { args: argv[script.keys] as Buffer, opts: argv[script.keys + 2] as Buffer };
    },
  };
}
