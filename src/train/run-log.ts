/**
 * A run directory: `metrics.jsonl` (one JSON object per line: every log interval, every trace
 * interval, and a summary at the end) and `loss.svg` (the running-loss curve), rewritten as the
 * run goes so that it can be opened at any time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { lineChartSvg } from '../io/plot';
import { appendToRegularFile, makeOwnDirectory, writeFileAtomic } from '../io/atomic';
import { readRegularFile } from '../io/regular-file';
import type { LogRecord } from './loop';

export interface MetricsLine extends Omit<Partial<LogRecord>, 'kind'> {
  kind: string;
  [key: string]: unknown;
}

/** A metrics file is a few hundred bytes per log line; this bounds what a resume reads. */
const MAX_METRICS_BYTES = 1 << 30;

function isRegularFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}

export class RunLog {
  readonly metricsPath: string;
  readonly plotPath: string;
  private records: MetricsLine[] = [];
  private lastPlot = 0;

  constructor(readonly dir: string, readonly title: string, options: { resumeFromStep?: number } = {}) {
    makeOwnDirectory(dir);
    this.metricsPath = path.join(dir, 'metrics.jsonl');
    this.plotPath = path.join(dir, 'loss.svg');
    if (options.resumeFromStep !== undefined && isRegularFile(this.metricsPath)) {
      // Continuing a run: keep what came before the checkpoint, drop what came after it (an
      // interrupted run may have logged past its last checkpoint).
      this.records = RunLog.read(this.metricsPath).filter((r) => typeof r.step === 'number' && r.step <= options.resumeFromStep! && r.kind !== 'summary');
    }
    // Written whole and renamed into place: whatever is at metricsPath (a planted symbolic link
    // included) is replaced, never followed.
    this.rewriteMetrics();
  }

  private rewriteMetrics(): void {
    writeFileAtomic(this.metricsPath, this.records.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** The lines of a metrics file this library wrote; a symbolic link there is refused, not followed. */
  static read(file: string): MetricsLine[] {
    return readRegularFile(file, MAX_METRICS_BYTES, { noFollow: true }).toString('utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
      try {
        return [JSON.parse(l) as MetricsLine];
      } catch {
        return []; // a line torn by a crash
      }
    });
  }

  write(record: MetricsLine): void {
    this.records.push(record);
    // Appended only to the regular file this run created; if something else has taken its place
    // since, the file is rewritten whole (replaced) from the records in memory.
    if (!appendToRegularFile(this.metricsPath, JSON.stringify(record) + '\n')) this.rewriteMetrics();
    // Re-plot at most every 2 s of wall time (and always at log lines): cheap but not free.
    const now = Date.now();
    if (record.kind === 'log' || now - this.lastPlot > 2000) {
      this.plot();
      this.lastPlot = now;
    }
  }

  plot(): void {
    const trace = this.records.filter((r) => r.kind === 'trace').map((r) => [r.step!, r.loss!] as const);
    const logs = this.records.filter((r) => r.kind === 'log').map((r) => [r.step!, r.loss!] as const);
    const svg = lineChartSvg({
      title: this.title,
      xLabel: 'step (mini-batches)',
      yLabel: 'running loss (cross-entropy)',
      series: [
        { name: 'running loss, per 100 steps', points: trace, color: '#9ecae1' },
        { name: 'running loss, per log interval', points: logs, color: '#d62728', markers: true },
      ],
    });
    writeFileAtomic(this.plotPath, svg);
  }
}
