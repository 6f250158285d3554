/**
 * A run directory: `metrics.jsonl` (one JSON object per line: every log interval, every trace
 * interval, and a summary at the end) and `loss.svg` (the running-loss curve), rewritten as the
 * run goes so that it can be opened at any time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { lineChartSvg } from '../io/plot';
import { writeFileAtomic } from '../io/atomic';
import type { LogRecord } from './loop';

export interface MetricsLine extends Omit<Partial<LogRecord>, 'kind'> {
  kind: string;
  [key: string]: unknown;
}

export class RunLog {
  readonly metricsPath: string;
  readonly plotPath: string;
  private records: MetricsLine[] = [];
  private lastPlot = 0;

  constructor(readonly dir: string, readonly title: string, options: { resumeFromStep?: number } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.metricsPath = path.join(dir, 'metrics.jsonl');
    this.plotPath = path.join(dir, 'loss.svg');
    if (options.resumeFromStep !== undefined && fs.existsSync(this.metricsPath)) {
      // Continuing a run: keep what came before the checkpoint, drop what came after it (an
      // interrupted run may have logged past its last checkpoint).
      const kept = RunLog.read(this.metricsPath).filter((r) => typeof r.step === 'number' && r.step <= options.resumeFromStep! && r.kind !== 'summary');
      this.records = kept;
      writeFileAtomic(this.metricsPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    } else {
      fs.writeFileSync(this.metricsPath, '');
    }
  }

  static read(file: string): MetricsLine[] {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
      try {
        return [JSON.parse(l) as MetricsLine];
      } catch {
        return []; // a line torn by a crash
      }
    });
  }

  write(record: MetricsLine): void {
    this.records.push(record);
    fs.appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
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
