// A rough estimate of the GPU memory a PaliGemma 2 run needs (weights, gradients and AdamW state
// of what trains, activations of a micro-batch), checked against the free memory `doctor`
// reported, with a mode that fits suggested. Rough by design (about +-30 %): it is a warning
// before a download of several GB and a crash, not a guarantee. Sizes come from the trainer's
// defaults.json (the trainer's own auto mode reads the same parameter counts).
import defaults from '../../../python/intersections_trainer/defaults.json';
import type { TrainMode } from './commandArgs';

const GIB = 2 ** 30;
/** Bytes per weight as the trainer loads them: bf16 for (q)lora, fp32 for attn/full (dtype None). */
const WEIGHT_BYTES: Record<Exclude<TrainMode, 'auto'>, number> = { full: 4, attn: 4, lora: 2, qlora: 0.55 };
/** Share of the weights that train: LoRA adapters (r 16) ~1 %, attention layers ~25 %. */
const TRAINABLE: Record<Exclude<TrainMode, 'auto'>, number> = { full: 1, attn: 0.25, lora: 0.01, qlora: 0.01 };
/** fp32 gradient + AdamW's two moments per trained weight. */
const OPTIMIZER_BYTES = 12;
/** Activation bytes per token, hidden unit and layer kept for the backward pass (bf16, no checkpointing; measured order of magnitude). */
const ACTIVATION_FACTOR = 48;
/** CUDA context, allocator slack, the vision tower's activations. */
const OVERHEAD = 1.5 * GIB;

const ID = /^(?:.*\/)?paligemma2-(3b|10b|28b)-(?:pt|mix|ft[\w-]*?)-?(224|448|896)$/;

/** ('3b', 224) for google/paligemma2-3b-pt-224 (the grammar of configs.py's parse_ckpt_id); undefined otherwise. */
export function parseCkptId(id: string): { size: '3b' | '10b' | '28b'; resolution: number } | undefined {
  const m = ID.exec(id.trim());
  return m ? { size: m[1] as '3b' | '10b' | '28b', resolution: Number(m[2]) } : undefined;
}

/** Estimated bytes of GPU memory for a run, or undefined for a model this does not know (tiny, a local folder). */
export function estimateGpuBytes(model: string, mode: Exclude<TrainMode, 'auto'>, batchSize: number): number | undefined {
  const id = parseCkptId(model);
  if (!id) return undefined;
  const size = defaults.paligemma_sizes[id.size];
  const tokens = (id.resolution / 14) ** 2 + 32;
  const weights = size.params * WEIGHT_BYTES[mode];
  const optimizer = size.params * TRAINABLE[mode] * OPTIMIZER_BYTES;
  const activations = batchSize * tokens * size.hidden * size.layers * ACTIVATION_FACTOR;
  return weights + optimizer + activations + OVERHEAD;
}

export interface GpuFit { needGiB: number; freeGiB: number; fits: boolean; suggestion?: { mode: Exclude<TrainMode, 'auto'>; needGiB: number } }

/**
 * Whether the run fits the free memory; when not, the first of lora and qlora (then a batch size of
 * 1 with qlora) that does. `auto` is judged as the trainer picks it: lora, qlora when lora does not fit.
 */
export function gpuFit(model: string, mode: TrainMode, batchSize: number, freeGiB: number): GpuFit | undefined {
  const m = mode === 'auto' ? 'lora' : mode;
  const need = estimateGpuBytes(model, m, batchSize);
  if (need === undefined) return undefined;
  const needGiB = need / GIB;
  const out: GpuFit = { needGiB, freeGiB, fits: needGiB <= freeGiB };
  if (out.fits) return out;
  for (const alt of ['lora', 'qlora'] as const) {
    const n = (estimateGpuBytes(model, alt, batchSize) as number) / GIB;
    if (alt !== m && n <= freeGiB) return { ...out, suggestion: { mode: alt, needGiB: n } };
  }
  return out;
}

/** The free memory of the first GPU from a `doctor --json` done event's summary, in GiB. */
export function doctorFreeGiB(summary: unknown): number | undefined {
  const gpu = (summary as { gpu?: { cuda?: unknown; devices?: { free_gb?: unknown }[] } } | null)?.gpu;
  const free = gpu?.cuda === true && Array.isArray(gpu.devices) ? gpu.devices[0]?.free_gb : undefined;
  return typeof free === 'number' && Number.isFinite(free) && free >= 0 ? free : undefined;
}

/** The warning shown before the run starts, e.g. "needs about 25.1 GiB of GPU memory, 22.0 GiB free; qlora needs about 9.8 GiB". */
export function gpuFitMessage(model: string, mode: TrainMode, fit: GpuFit): string {
  const base = `${model} (${mode}) needs about ${fit.needGiB.toFixed(1)} GiB of GPU memory; ${fit.freeGiB.toFixed(1)} GiB are free (intersections doctor).`;
  return fit.suggestion
    ? `${base} Mode ${fit.suggestion.mode} needs about ${fit.suggestion.needGiB.toFixed(1)} GiB.`
    : `${base} Lower the batch size (raise --grad-accum to keep the effective batch) or use a larger GPU.`;
}
