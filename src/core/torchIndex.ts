// Which torch build `intersections setup` installs. On Linux, PyPI's torch is the CUDA build: with
// its nvidia-* packages about 3 GB, useless on a machine without an NVIDIA GPU. There, when the
// PyTorch CPU wheel index answers, torch is installed from it first (about 200 MB); the pinned
// requirements then find it installed. When the index does not answer, PyPI's build is used.
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';

export const DEFAULT_TORCH_CPU_INDEX = 'https://download.pytorch.org/whl/cpu';
/** The environment variable naming the CPU index; "off" installs PyPI's build. */
export const TORCH_CPU_INDEX_ENV = 'INTERSECTIONS_TORCH_CPU_INDEX';

// Approximate download sizes (torch 2.x wheels for Linux x86_64, the nvidia-* packages included).
const CUDA_SIZE = 'about 3 GB';
const CPU_SIZE = 'about 200 MB';

/** Whether this machine has an NVIDIA GPU with a driver (Linux: the driver's /proc entry or device node). */
export function hasNvidiaGpu(exists: (p: string) => boolean = existsSync): boolean {
  return exists('/proc/driver/nvidia/version') || exists('/dev/nvidia0');
}

/** The torch pin of requirements.txt ("2.15.0"), its one definition. */
export function pinnedTorch(requirementsFile: string): string | undefined {
  return /^torch==([^\s;#]+)/m.exec(readFileSync(requirementsFile, 'utf8'))?.[1];
}

/** The CPU index to try: the environment variable, else the default; undefined when set to "off". */
export function cpuIndexUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[TORCH_CPU_INDEX_ENV]?.trim();
  if (v && v.toLowerCase() === 'off') return undefined;
  return (v || DEFAULT_TORCH_CPU_INDEX).replace(/\/+$/, '');
}

/** Whether `<index>/torch/` (a PEP 503 project page) answers 200 within `timeoutMs`; else the reason. */
export function probeIndex(index: string, timeoutMs = 5000): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    let url: URL;
    try { url = new URL(`${index}/torch/`); } catch { resolve({ ok: false, reason: 'not a URL' }); return; }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') { resolve({ ok: false, reason: `${url.protocol} is not http(s)` }); return; }
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? { ok: true } : { ok: false, reason: `HTTP ${res.statusCode}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', (e) => resolve({ ok: false, reason: e.message || String(e) }));
  });
}

export interface TorchPlan {
  /** What setup says before downloading. */
  message: string;
  level: 'info' | 'warning';
  /** `pip install` arguments for torch alone, before the requirements; absent: the requirements bring it. */
  pipArgs?: string[];
}

/**
 * The plan for `version`: PyPI's build with a GPU or off Linux (where PyPI's wheel is the CPU
 * build anyway), the CPU index when it answers, else PyPI's CUDA build with the reason.
 */
export async function torchPlan(version: string, opts: { gpu: boolean; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<TorchPlan> {
  const platform = opts.platform ?? process.platform;
  if (platform !== 'linux') return { level: 'info', message: `installing torch ${version} from the default index (the CPU build on ${platform}, ${CPU_SIZE})` };
  if (opts.gpu) return { level: 'info', message: `installing torch ${version} with CUDA from the default index (${CUDA_SIZE} with its nvidia-* packages): an NVIDIA GPU is present` };
  const index = cpuIndexUrl(opts.env);
  if (!index) return { level: 'info', message: `no NVIDIA GPU, but ${TORCH_CPU_INDEX_ENV}=off: installing torch ${version} with CUDA from the default index (${CUDA_SIZE} with its nvidia-* packages)` };
  const probe = await probeIndex(index, opts.timeoutMs);
  if (probe.ok) {
    return {
      level: 'info',
      message: `no NVIDIA GPU: installing the CPU build of torch ${version} from ${index} (${CPU_SIZE}) instead of the CUDA build from the default index (${CUDA_SIZE}); set ${TORCH_CPU_INDEX_ENV} to use another index, or to off`,
      pipArgs: ['install', '--progress-bar', 'off', '--index-url', index, `torch==${version}`],
    };
  }
  return {
    level: 'warning',
    message: `no NVIDIA GPU, but the PyTorch CPU index ${index} is not reachable (${probe.reason}): installing torch ${version} from the default index, the CUDA build (${CUDA_SIZE} with its nvidia-* packages); set ${TORCH_CPU_INDEX_ENV} to a reachable mirror to avoid it`,
  };
}

/** requirements.txt among the files setup installs (the one that pins torch). */
export function torchRequirements(files: string[]): string | undefined {
  return files.find((f) => path.basename(f) === 'requirements.txt');
}
