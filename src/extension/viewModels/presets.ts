// Presets of the fine-tune flow (saved per workspace) and the command line it shows before
// starting. Pure: the flow (trainCommands.ts) keeps presets in the workspace state.
import { shellQuote } from '../../core/trainFlags';
import { TRAIN_MODES, type TrainLength, type TrainMode } from './commandArgs';

export interface FineTunePreset {
  model: string;
  mode: TrainMode;
  length: TrainLength;
  earlyStopPatience?: number;
}

export const PRESETS_KEY = 'intersections.fineTunePresets';
const MAX_PRESETS = 50;

/** Presets as stored (workspace state): anything malformed is dropped, not trusted. */
export function validatePresets(raw: unknown): Record<string, FineTunePreset> {
  const out: Record<string, FineTunePreset> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [name, v] of Object.entries(raw as Record<string, unknown>).slice(0, MAX_PRESETS)) {
    if (validatePresetName(name) !== undefined || !v || typeof v !== 'object') continue;
    const p = v as Record<string, unknown>;
    const len = p.length as Record<string, unknown> | undefined;
    const length: TrainLength | undefined = len && Number.isInteger(len.maxSteps) && (len.maxSteps as number) > 0 ? { maxSteps: len.maxSteps as number }
      : len && typeof len.epochs === 'number' && len.epochs > 0 && Number.isFinite(len.epochs) ? { epochs: len.epochs } : undefined;
    if (typeof p.model !== 'string' || !p.model.trim() || /\s/.test(p.model) || !TRAIN_MODES.includes(p.mode as TrainMode) || !length) continue;
    const patience = Number.isInteger(p.earlyStopPatience) && (p.earlyStopPatience as number) > 0 ? (p.earlyStopPatience as number) : undefined;
    out[name] = { model: p.model, mode: p.mode as TrainMode, length, ...(patience ? { earlyStopPatience: patience } : {}) };
  }
  return out;
}

/** A preset name: 1-60 characters, no line breaks. Returns an error message or undefined. */
export function validatePresetName(name: string): string | undefined {
  const t = name.trim();
  if (!t) return 'Give the preset a name';
  if (t.length > 60) return 'At most 60 characters';
  if (/[\r\n]/.test(t)) return 'One line';
  return undefined;
}

/** One line of what a preset does, for its quick pick item. */
export function presetDetail(p: FineTunePreset): string {
  const len = 'maxSteps' in p.length ? `${p.length.maxSteps} steps` : `${p.length.epochs} epochs`;
  return [p.model, p.mode, len, p.earlyStopPatience ? `early stop after ${p.earlyStopPatience}` : ''].filter(Boolean).join(' · ');
}

/** The command a user would type for the CLI arguments the flow built (Show Command). */
export function commandLine(args: string[]): string {
  return ['intersections', ...args.filter((a) => a !== '--json')].map(shellQuote).join(' ');
}
