// The file names of an ONNX export come from one table (src/core/onnxInference.ts): the graphs a
// variant loads, the check that they are there, and the test of whether a folder is an export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkExportFolder, findOnnxDir, graphFiles } from '../../src/core/onnxInference';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-onnxfiles-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function exportFolder(name: string, files: string[]): string {
  const dir = path.join(tmp, name);
  for (const f of ['intersections_onnx.json', 'config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', ...files]) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), '{}');
  }
  return dir;
}

test('each variant loads the files export_onnx.py writes (transformers.js names: fp32 plain, others _<dtype>)', () => {
  assert.deepEqual(graphFiles('fp32'), ['onnx/vision_encoder.onnx', 'onnx/embed_tokens.onnx', 'onnx/decoder_model_merged.onnx']);
  assert.deepEqual(graphFiles('q4'), ['onnx/vision_encoder_q4.onnx', 'onnx/embed_tokens_fp16.onnx', 'onnx/decoder_model_merged_q4.onnx']);
});

test('a folder with only the q4 graphs is an export that loads as q4 and names what fp32 lacks', () => {
  const dir = exportFolder('q4-only', graphFiles('q4'));
  assert.equal(findOnnxDir(dir), dir);
  assert.doesNotThrow(() => checkExportFolder(dir, 'q4'));
  assert.throws(() => checkExportFolder(dir, 'fp32'),
    /incomplete: missing onnx\/vision_encoder\.onnx, onnx\/embed_tokens\.onnx, onnx\/decoder_model_merged\.onnx$/);
  assert.equal(findOnnxDir(exportFolder('no-decoder', ['onnx/vision_encoder.onnx'])), undefined);
});
