import cliProgress from 'cli-progress';
import type { CliIo } from './cli-io.js';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A bar on a terminal, plain lines otherwise (cron mail, CI logs): one line
 * per 10% so a log of a million-row run stays short. Always on stderr.
 */
export function createProgress(io: CliIo, label: string): Progress {
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: io.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastStep = -1;
  return {
    update(done, total) {
      const step = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (step === lastStep) return;
      lastStep = step;
      io.stderr.write(`${label}: ${done}/${total}\n`);
    },
    stop() {},
  };
}
