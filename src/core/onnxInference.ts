// Counting intersections with an exported ONNX model, in this process, without Python.
// The export folder (python/intersections_trainer/export_onnx.py) is what transformers.js loads
// for PaliGemma: config.json, generation_config.json, preprocessor_config.json, tokenizer files,
// onnx/{vision_encoder,embed_tokens,decoder_model_merged}[_q4|_fp16].onnx, plus our manifest
// intersections_onnx.json (prompt, variants, parity report). Everything is read from disk:
// remote models are disabled, so nothing here touches the network.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ANSWERS, AnswerKey, parseAnswer } from './answers';
import { readSmallFileSync } from './boundedFile';
import { exceedsImageLimit, imageDimensions, MAX_IMAGE_SIDE, sniffMime } from './datasetImage';
import { UserError } from '../shared/events';
import { isPilResample, resizeLikePil } from './pilResize';

export const MAX_NEW_TOKENS = 8;
export const ONNX_MANIFEST = 'intersections_onnx.json';
export type OnnxVariant = 'fp32' | 'q4';

export interface OnnxManifest {
  prompt: string;
  image_size: number;
  image_seq_length: number;
  variants: Record<string, Record<string, string>>;
  default_variant: OnnxVariant;
  parity?: Record<string, unknown>;
  /** 8: the model was trained on the task's symmetric views and is asked about all of them; absent = 1. */
  views?: number;
}

export interface OnnxCount {
  prediction: number | null;
  text: string;
  scores?: Record<AnswerKey, number>;
  inputIds: number[];
  generatedIds: number[];
  ms: number;
}

/** The export folder for a run folder, a model folder or an export folder; undefined when none exists. */
export function findOnnxDir(modelPath: string): string | undefined {
  const candidates = [modelPath, path.join(modelPath, 'onnx'), path.join(path.dirname(modelPath), 'onnx')];
  for (const dir of candidates) {
    if (existsSync(path.join(dir, ONNX_MANIFEST)) || (existsSync(path.join(dir, 'config.json')) && existsSync(path.join(dir, 'onnx')))) {
      if (ONNX_VARIANTS.some((v) => existsSync(path.join(dir, graphFile('decoder_model_merged', VARIANT_DTYPES[v].decoder_model_merged))))) return dir;
    }
  }
  return undefined;
}

const REQUIRED_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** The graphs of an export, named as transformers.js loads them for PaliGemma. */
const GRAPHS = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;
type Graph = (typeof GRAPHS)[number];
type GraphDtype = 'fp32' | 'fp16' | 'q4';
const ONNX_VARIANTS: OnnxVariant[] = ['fp32', 'q4'];

/** The precision of each graph in a variant: the file it is read from, and transformers.js's dtype option. */
const VARIANT_DTYPES: Record<OnnxVariant, Record<Graph, GraphDtype>> = {
  fp32: { vision_encoder: 'fp32', embed_tokens: 'fp32', decoder_model_merged: 'fp32' },
  q4: { vision_encoder: 'q4', embed_tokens: 'fp16', decoder_model_merged: 'q4' },
};

/** transformers.js's file of a graph at a precision: onnx/<graph>.onnx for fp32, else onnx/<graph>_<dtype>.onnx. */
function graphFile(graph: Graph, dtype: GraphDtype): string {
  return `onnx/${graph}${dtype === 'fp32' ? '' : `_${dtype}`}.onnx`;
}

export function graphFiles(variant: OnnxVariant): string[] {
  return GRAPHS.map((g) => graphFile(g, VARIANT_DTYPES[variant][g]));
}

export function readManifest(dir: string): OnnxManifest {
  const file = path.join(dir, ONNX_MANIFEST);
  if (!existsSync(file)) {
    throw new UserError(`${dir} is not an ONNX export (no ${ONNX_MANIFEST})`, 'create one with: intersections export-onnx --model <run>');
  }
  try {
    return JSON.parse(readSmallFileSync(file)) as OnnxManifest;
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`, 'export the model again: intersections export-onnx --model <run>');
  }
}

/** Checks the folder before loading so that a missing file is one clear error, not a stack trace. */
export function checkExportFolder(dir: string, variant: OnnxVariant): void {
  const missing = [...REQUIRED_FILES, ...graphFiles(variant)].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length) {
    throw new UserError(`the ONNX export in ${dir} is incomplete: missing ${missing.join(', ')}`,
      'export the model again: intersections export-onnx --model <run>');
  }
}

/** Reads an image file, refusing non-images and huge images from the header, before decoding. */
export async function readCheckedImage(imagePath: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    if (!statSync(imagePath).isFile()) throw new Error('not a file');
    bytes = await readFile(imagePath);
  } catch (e) {
    throw new UserError(`cannot read image ${imagePath}: ${(e as Error).message}`, 'check the path');
  }
  return checkImageBytes(bytes, imagePath);
}

/** Refuses bytes that are not a PNG/JPEG/WebP, or whose header says the image is over the size limit. */
export function checkImageBytes(bytes: Uint8Array, name: string): Uint8Array {
  const mime = sniffMime(bytes);
  // transformers.js decodes with sharp, which reads no BMP.
  if (mime === 'application/octet-stream' || mime === 'image/bmp') {
    throw new UserError(`not an image: ${name}`, 'pass a PNG, JPEG or WebP file');
  }
  const dims = imageDimensions(bytes);
  if (!dims) throw new UserError(`not a readable image (truncated header): ${name}`, 'pass a PNG, JPEG or WebP file');
  if (exceedsImageLimit(dims)) {
    throw new UserError(`image is ${dims.width}x${dims.height}, larger than the ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE} limit: ${name}`,
      'resize it first; the model sees images at its own small resolution anyway');
  }
  return bytes;
}

type Transformers = typeof import('@huggingface/transformers');
let tfPromise: Promise<Transformers> | undefined;

async function transformers(): Promise<Transformers> {
  tfPromise ??= import('@huggingface/transformers').then((tf) => {
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.useFSCache = false;
    return tf;
  });
  return tfPromise;
}

/** A loaded export: load once, count many images. */
export class OnnxPaliGemma {
  private constructor(
    readonly dir: string,
    readonly variant: OnnxVariant,
    readonly manifest: OnnxManifest,
    private readonly tf: Transformers,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly processor: any,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly model: any,
    private readonly answerIds: number[][],
  ) {}

  static async load(dir: string, variant?: OnnxVariant): Promise<OnnxPaliGemma> {
    const abs = path.resolve(dir);
    const manifest = readManifest(abs);
    const v: OnnxVariant = variant ?? manifest.default_variant ?? 'fp32';
    checkExportFolder(abs, v);
    const tf = await transformers();
    const dtype = VARIANT_DTYPES[v];
    try {
      const processor = await tf.AutoProcessor.from_pretrained(abs, { local_files_only: true });
      const model = await tf.PaliGemmaForConditionalGeneration.from_pretrained(abs, {
        local_files_only: true, device: 'cpu', dtype: dtype as never,
      });
      const answerIds = ANSWERS.map((a) => Array.from(processor.tokenizer!.encode(a, { add_special_tokens: false }) as number[]));
      return new OnnxPaliGemma(abs, v, manifest, tf, processor, model, answerIds);
    } catch (e) {
      throw new UserError(`cannot load the ONNX model in ${abs}: ${firstLine(e)}`,
        'the export is damaged or from another version; export it again: intersections export-onnx --model <run>');
    }
  }

  /** The tokens of the prompt for an image (for parity checks against PyTorch). */
  async encode(imageBytes: Uint8Array): Promise<{ inputIds: number[]; pixelValues: Float32Array }> {
    const inputs = await this.inputs(imageBytes);
    return { inputIds: toNumbers(inputs.input_ids.data), pixelValues: inputs.pixel_values.data as Float32Array };
  }

  private async inputs(imageBytes: Uint8Array) {
    let image;
    try {
      image = await this.tf.RawImage.fromBlob(new Blob([imageBytes as Uint8Array<ArrayBuffer>]));
    } catch (e) {
      throw new UserError(`cannot decode the image: ${firstLine(e)}`, 'pass a valid PNG, JPEG or WebP file');
    }
    return this.processor(this.resizedLikeTraining(image.rgb()), '<image>' + this.manifest.prompt);
  }

  /**
   * The image at the model's input size, resized exactly as the trainer's Pillow preprocessing
   * does (transformers.js would resize with libvips: close, but not the same pixels). Filters
   * Pillow resizes differently (NEAREST) are left to transformers.js.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private resizedLikeTraining(image: any): any {
    const cfg = this.processor.image_processor?.config ?? {};
    const size = cfg.size ?? {};
    const resample = typeof cfg.resample === 'number' ? cfg.resample : 2;
    if (cfg.do_resize === false || !Number.isInteger(size.width) || !Number.isInteger(size.height) || !isPilResample(resample)) return image;
    if (image.width === size.width && image.height === size.height) return image;
    const pixels = resizeLikePil(image.data, image.width, image.height, image.channels, size.width, size.height, resample);
    return new this.tf.RawImage(pixels, size.width, size.height, image.channels);
  }

  /**
   * Greedy answer, parsed count and the log-likelihood of each answer "0", "1", "2". A model
   * trained on the task's symmetric views (manifest `views`: 8) is asked about all eight views of
   * the image, as the trainer scores it (python/intersections_trainer/augment.py): the scores are
   * added over the views and the prediction is the best-scoring answer; `text` stays the greedy
   * answer to the image as it is.
   */
  async count(imageBytes: Uint8Array, maxNewTokens = MAX_NEW_TOKENS): Promise<OnnxCount> {
    const t0 = performance.now();
    const inputs = await this.inputs(imageBytes);
    const { out, first } = await this.generate(inputs, maxNewTokens);
    const inputIds = toNumbers(inputs.input_ids.data);
    const all = toNumbers(out.data);
    const generatedIds = all.slice(inputIds.length);
    const text = (this.processor.tokenizer.decode(generatedIds, { skip_special_tokens: true }) as string).trim();
    const views = this.manifest.views ?? 1;
    let raw = first ? this.answerLogProbs(first) : undefined;
    if (raw && views > 1) {
      const { image_mean: mean, image_std: std } = this.processor.image_processor.config;
      const px = inputs.pixel_values;
      for (let v = 1; v < views && raw; v++) {
        const pixelValues = new this.tf.Tensor('float32', symmetricView(px.data as Float32Array, px.dims as number[], v, mean, std), px.dims);
        const view = (await this.generate({ ...inputs, pixel_values: pixelValues }, 1)).first;
        const add = view ? this.answerLogProbs(view) : undefined;
        raw = add && raw.map((x, i) => x + add[i]);
      }
    }
    const scores = raw && (Object.fromEntries(ANSWERS.map((a, i) => [a, Math.round(raw![i] * 1e6) / 1e6])) as Record<AnswerKey, number>);
    const prediction = views > 1 && scores ? bestAnswer(scores) : parseAnswer(text);
    return { prediction, text, scores, inputIds, generatedIds, ms: performance.now() - t0 };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async generate(inputs: any, maxNewTokens: number) {
    const recorder = firstStepRecorder(this.tf);
    const list = new this.tf.LogitsProcessorList();
    list.push(recorder.processor);
    const out = await this.model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, logits_processor: list });
    return { out, first: recorder.first };
  }

  /** First-step log-probabilities of the answers, unrounded (all answers are single tokens in PaliGemma's vocabulary). */
  private answerLogProbs(logits: Float32Array): number[] | undefined {
    if (this.answerIds.some((ids) => ids.length !== 1)) return undefined;
    let max = -Infinity;
    for (const v of logits) if (v > max) max = v;
    let sum = 0;
    for (const v of logits) sum += Math.exp(v - max);
    const logZ = max + Math.log(sum);
    return this.answerIds.map((ids) => logits[ids[0]] - logZ);
  }

  async dispose(): Promise<void> {
    await this.model?.dispose?.();
  }
}

/** The count whose answer scores highest (the first on a tie), as predict.py's best_answer. */
export function bestAnswer(scores: Record<AnswerKey, number>): number {
  let best: AnswerKey = ANSWERS[0];
  for (const a of ANSWERS) if (scores[a] > scores[best]) best = a;
  return Number(best);
}

/**
 * View v of normalised pixel values [1, 3, H, W] (v's bits: 1 mirror left-right, 2 mirror
 * top-bottom, 4 swap the red and blue lines of the unnormalised image): the same views in the
 * same order as augment.py's symmetric_views.
 */
export function symmetricView(data: Float32Array, dims: number[], v: number, mean: number[], std: number[]): Float32Array {
  const [h, w] = dims.slice(-2);
  const channels = dims.at(-3) ?? 1;
  const swap = (v & 4) !== 0 && channels === 3;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    const from = swap ? 2 - c : c;
    for (let y = 0; y < h; y++) {
      const sy = v & 2 ? h - 1 - y : y;
      for (let x = 0; x < w; x++) {
        const sx = v & 1 ? w - 1 - x : x;
        let value = data[(from * h + sy) * w + sx];
        if (swap) value = (Math.fround(value * std[from] + mean[from]) - mean[c]) / std[c];
        out[(c * h + y) * w + x] = value;
      }
    }
  }
  return out;
}

/** A logits processor that only records the raw logits of the first generated step. */
function firstStepRecorder(tf: Transformers) {
  const state: { first?: Float32Array; processor: InstanceType<Transformers['LogitsProcessor']> } = {} as never;
  class Recorder extends tf.LogitsProcessor {
    override _call(_ids: bigint[][], logits: import('@huggingface/transformers').Tensor) {
      const data = logits.data as Float32Array;
      if (!state.first) state.first = Float32Array.from(data.subarray(0, logits.dims.at(-1)));
      return logits;
    }
  }
  state.processor = new Recorder();
  return state;
}

function toNumbers(data: ArrayLike<bigint | number>): number[] {
  return Array.from(data, (v) => Number(v));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
