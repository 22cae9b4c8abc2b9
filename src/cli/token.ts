// The Hub token on the command line. A `--token` value is readable by every user of the machine
// (ps, /proc/<pid>/cmdline), so HF_TOKEN or --token-stdin are the documented ways; --token still
// works but warns.
import { UserError } from '../shared/events';

export const TOKEN_FLAGS = { token: { type: 'string' }, 'token-stdin': { type: 'boolean' } } as const;

export const TOKEN_WARNING = '--token is visible to other users of this machine (ps); set HF_TOKEN or pipe it to --token-stdin instead';

/** The token the flags give (undefined: fall back to HF_TOKEN); reads stdin for --token-stdin. */
export async function tokenFromFlags(
  v: { token?: string; 'token-stdin'?: boolean },
  warn: (message: string) => void,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string | undefined> {
  if (v.token !== undefined && v['token-stdin']) throw new UserError('use either --token or --token-stdin, not both');
  if (v.token !== undefined) { warn(TOKEN_WARNING); return v.token; }
  if (!v['token-stdin']) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  const token = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0].trim();
  if (!token) throw new UserError('--token-stdin read no token from standard input', 'e.g. intersections push dataset --dataset-id you/name --token-stdin < ~/.hf_token');
  return token;
}
