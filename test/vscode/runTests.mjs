// `npm run test:vscode`: the small in-editor suite (test/vscode/suite) in a real VS Code desktop,
// through @vscode/test-electron. It downloads VS Code (into .vscode-test/) unless
// VSCODE_EXECUTABLE points to an installed one. Machines without network or a display use the
// code-server suite instead (npm run test:e2e); see docs/TESTING.md.
//   VSCODE_VERSION=1.100.3 (default: stable)   VSCODE_EXECUTABLE=/usr/share/code/code
import { runTests } from '@vscode/test-electron';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const workspace = mkdtempSync(join(tmpdir(), 'intersections-vscode-test-'));
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'test', 'vscode', 'suite', 'index.cjs'),
    extensionTestsEnv: { INTERSECTIONS_TEST_WORKSPACE: workspace },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (err) {
  console.error(`VS Code tests failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
