// Final audit (issue 11): `setup --venv DIR` ran `python3 -m venv DIR` on any folder, which writes
// bin/ (activate, python, pip), lib/ and pyvenv.cfg into it: pointed at a project, its own
// bin/activate was replaced. Only a new or empty folder, or an existing virtual environment, is used.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '../../bin/intersections.js');
let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-venv-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function setup(venv: string) {
  return spawnSync(process.execPath, [CLI, 'setup', '--venv', venv], { encoding: 'utf8', timeout: 60_000 });
}

describe('setup --venv at a folder that is not a virtual environment', () => {
  it('a project folder is refused before anything is written: exit 2, one line and a hint', () => {
    const project = path.join(tmp, 'project');
    fs.mkdirSync(path.join(project, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(project, 'bin', 'activate'), '#!/bin/sh\necho my own activate\n');
    fs.writeFileSync(path.join(project, 'notes.txt'), 'thesis notes\n');
    const r = setup(project);
    assert.equal(r.status, 2, `exit 2 (got ${r.status}, ${r.signal}); ${r.stderr.slice(0, 300)}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], /--venv .*project is not empty and is not a Python virtual environment \(no pyvenv\.cfg\); nothing was changed/);
    assert.match(lines[1] ?? '', /^hint: /);
    assert.deepEqual(fs.readdirSync(project).sort(), ['bin', 'notes.txt']);
    assert.deepEqual(fs.readdirSync(path.join(project, 'bin')), ['activate']);
    assert.equal(fs.readFileSync(path.join(project, 'bin', 'activate'), 'utf8'), '#!/bin/sh\necho my own activate\n');
  });

  it('a file is refused the same way', () => {
    const file = path.join(tmp, 'afile.txt');
    fs.writeFileSync(file, 'x');
    const r = setup(file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--venv .*afile\.txt is not a folder/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  });
});
