// The verdict of `intersections doctor --json` on the Python environment, as the commands show
// it. Pure: no `vscode` import, so it is unit-tested.
import type { JobEvent } from '../../shared/events';
import { withHint } from './jobState';

export interface DoctorCheck { name: string; ok: boolean; detail: string; fix: string; level: string }

export interface DoctorRun { exitCode: number | null; events: JobEvent[]; error?: { message: string; hint: string }; timedOut: boolean }

/** The failed checks of `intersections doctor --json` (metric events named "check"). */
export function failedChecks(events: JobEvent[]): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const e of events) {
    if (e.event !== 'metric' || e.name !== 'check' || !e.value || typeof e.value !== 'object') continue;
    const c = e.value as DoctorCheck;
    if (!c.ok) out.push(c);
  }
  return out;
}

/** Why the environment is not ready, and the fix the doctor suggests; undefined when it is ready. */
export function doctorProblem(r: DoctorRun): { why: string; fix: string } | undefined {
  if (r.exitCode === 0 && !r.error && !r.timedOut) return undefined;
  const errors = failedChecks(r.events).filter((c) => c.level === 'error');
  const why = r.timedOut ? 'the check did not finish within 3 minutes'
    : errors.length ? errors.map((c) => c.detail).join('; ')
    : r.error?.message ?? `doctor exited with code ${r.exitCode}`;
  const fix = errors.find((c) => c.fix)?.fix ?? r.error?.hint ?? '';
  return { why, fix };
}

/**
 * "Set Up Python Environment" while the setting intersections.pythonPath names an interpreter:
 * that interpreter is what jobs use, so the command checks it (never builds a managed venv that
 * would not be used) and says whether it is ready.
 */
export function configuredEnvironmentMessage(python: string, r: DoctorRun): { ok: boolean; message: string } {
  const problem = doctorProblem(r);
  if (!problem) return { ok: true, message: `The Python environment is ready: ${python} (the setting intersections.pythonPath).` };
  return {
    ok: false,
    message: `The Python environment ${python} (the setting intersections.pythonPath) is not ready: ${withHint(problem.why, problem.fix ? `fix: ${problem.fix}` : '')} Clear the setting to let this command create a managed environment instead.`,
  };
}
