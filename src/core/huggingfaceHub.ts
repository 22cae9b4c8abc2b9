// @huggingface/hub as its own bundle, dist/huggingface-hub.js, so that commands which do not
// talk to the Hub do not parse it (see esbuild.mjs). Sources import '@huggingface/hub' as usual.
export * from '@huggingface/hub';
