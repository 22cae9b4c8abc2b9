// How a CLI verb reports: JSON-lines job events with --json, otherwise a progress bar on a
// terminal (plain lines when stderr is not a TTY) and a short human summary.
import { EventSink, JobEvent, JsonLinesSink, UserError, makeEvent } from '../shared/events';
import { formatDuration, formatPercent } from '../shared/format';

export class HumanSink implements EventSink {
  private lastDraw = 0;
  private barShown = false;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  emit(e: JobEvent): void {
    const tty = Boolean(this.out.isTTY);
    switch (e.event) {
      case 'progress': {
        const now = Date.now();
        const finished = e.done >= e.total;
        if (!tty) {
          if (finished || now - this.lastDraw > 2000) { this.out.write(`${e.phase}: ${e.done}/${e.total}\n`); this.lastDraw = now; }
          return;
        }
        if (!finished && now - this.lastDraw < 80) return;
        this.lastDraw = now;
        this.out.write(`\r${renderBar(e)}\x1b[K`);
        this.barShown = !finished;
        if (finished) this.out.write('\n');
        return;
      }
      case 'log':
        if (e.level === 'debug') return;
        this.clearBar();
        this.out.write(`${e.level === 'info' ? '' : e.level + ': '}${e.message}\n`);
        return;
      case 'error':
        this.clearBar();
        this.out.write(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
        return;
      case 'artifact':
        this.clearBar();
        this.out.write(`wrote ${e.kind}: ${e.path}\n`);
        return;
      case 'metric':
        this.clearBar();
        this.out.write(`${e.split ? e.split + ' ' : ''}${e.name} = ${typeof e.value === 'number' ? round(e.value) : JSON.stringify(e.value)}${e.step != null ? ` (step ${e.step})` : ''}\n`);
        return;
      default:
        return;
    }
  }

  private clearBar(): void {
    if (this.barShown) { this.out.write('\r\x1b[K'); this.barShown = false; }
  }
}

function round(v: number): string { return Number.isInteger(v) ? String(v) : v.toFixed(4); }

export function renderBar(e: Extract<JobEvent, { event: 'progress' }>, width = 30): string {
  const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const filled = Math.round(frac * width);
  const parts = [`${e.phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total} ${formatPercent(frac, 0)}`];
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
  if (e.samples_per_s !== undefined) parts.push(`${e.samples_per_s.toFixed(1)}/s`);
  if (e.eta_s !== undefined) parts.push(`eta ${formatDuration(e.eta_s)}`);
  return parts.join('  ');
}

export function sinkFor(json: boolean): EventSink {
  return json ? new JsonLinesSink() : new HumanSink();
}

/** Prints an uncaught error as one clear message (an error event with --json); returns the exit code. */
export function reportFatal(err: unknown, json: boolean, job: string): number {
  const isUser = err instanceof UserError;
  const message = err instanceof Error ? err.message : String(err);
  const hint = isUser ? err.hint : `This is a bug in intersections ${job}; please report it with the command you ran.`;
  if (json) new JsonLinesSink().emit(makeEvent('error', { message, hint }));
  else process.stderr.write(`intersections ${job}: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
  if (!isUser && !json && err instanceof Error && process.env.INTERSECTIONS_DEBUG) process.stderr.write(`${err.stack}\n`);
  return isUser ? err.exitCode : 1;
}
