// Preloaded into node by go_js_wasm_exec: gives the Go wasm test binary a
// navigator.gpu backed by Dawn (npm webgpu), plus the GPU* constants a
// browser defines.
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';

const home = process.env.RDLM_WEBGPU_HOME ||
	path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'rdlm-webgpu');
const require = createRequire(path.join(home, 'node', 'package.json'));
let webgpu;
try {
	webgpu = require('webgpu');
} catch (e) {
	console.error(`webgpu_node.mjs: npm webgpu is not installed under ${home}/node: run core/gpu/testenv/install.sh (${e.message})`);
	process.exit(1);
}
Object.assign(globalThis, webgpu.globals);
if (!globalThis.navigator) {
	globalThis.navigator = {};
}
Object.defineProperty(globalThis.navigator, 'gpu', { value: webgpu.create([]), configurable: true });
